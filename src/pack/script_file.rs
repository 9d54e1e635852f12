//! Which declared files are programs rather than data: packed as scripts, and pinned by
//! `radflow trust` even when the receiving lab supplied them itself.

use std::path::Path;

/// Extensions of files a program runs or is configured by.
const SCRIPT_EXTENSIONS: &[&str] = &[
    "py", "sh", "bash", "r", "jl", "m", "pl", "rb", "js", "mjs", "lua", "awk", "sed", "yaml",
    "yml", "json", "toml", "cfg", "ini",
];

/// Whether `path` has a program or configuration extension (any case).
pub fn is_script(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SCRIPT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_and_configuration_are_scripts_and_data_is_not() {
        let cases = [
            ("scripts/embed.py", true),
            ("scripts/Fit.R", true),
            ("conf/run.YAML", true),
            ("data/clinical.csv", false),
            ("data/scan.nrrd", false),
            ("bin/tool", false),
        ];
        for (path, expected) in cases {
            assert_eq!(is_script(Path::new(path)), expected, "{path}");
        }
    }
}
