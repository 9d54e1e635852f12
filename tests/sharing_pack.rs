//! `radflow pack` / `radflow unpack` through the real binary: a round trip of the tiny study,
//! pseudonymization checked against the cohort's own clinical CSV, and packs that are tampered
//! with, truncated, from a newer radflow, or that try to write outside their folder.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::Project;

const STUDY: &str = concat!(
    r#"
pipeline: study
import: [stages/study.yaml]
stages:
"#,
    common::imaging_stages!(),
    r#"  resized:
    kind: resize
    input: lesions
    with: {size: [32, 32]}
  features:
    kind: onnx_features
    input: resized
    with: {model: models/tiny_cnn.onnx, input: images, output: features, features: 16, batch_size: 8}
  head:
    uses: head
    input: features
  evaluation:
    kind: evaluate
    inputs: {head: head, features: features}
  report:
    kind: report
    inputs: {runs: [evaluation], counts: [slices, lesions]}
  notes:
    kind: command
    with:
      run: "sh scripts/notes.sh > {out}/notes.txt"
      files: [scripts/notes.sh, data/clinical.csv]
      outputs: [notes.txt]
"#
);

const HEAD: &str = "definitions:\n  head:\n    kind: train_head\n    with: {steps: 200, standardize: true, split: {by: patient, validation: 0.2, test: 0.3}}\n";

/// The cohort's patient ids, read from the CSV `radflow synth` wrote (first column).
fn patient_ids(p: &Project) -> Vec<String> {
    let csv = p.read("data/clinical.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header.iter().position(|h| *h == "patient_id").unwrap();
    lines
        .map(|l| l.split(',').nth(column).unwrap().trim().to_string())
        .collect()
}

/// The tiny study, run once; its script names one patient, as a real exclusion list would.
fn study() -> Project {
    let p = common::tiny_study(STUDY, "12", "48", "8,10");
    p.write("stages/study.yaml", HEAD);
    let first = patient_ids(&p)[0].clone();
    p.write(
        "scripts/notes.sh",
        &format!("# excluded after review: {first}\necho reviewed\n"),
    );
    p.run(&["run"]).ok();
    p
}

/// Every file below `dir`, as (relative path, bytes).
fn files_below(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Ids of `ids` found (as whole words) in any file name or text below `dir`.
fn ids_found(dir: &Path, ids: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, bytes) in files_below(dir) {
        let text = format!("{name}\n{}", String::from_utf8_lossy(&bytes));
        for id in ids {
            let whole = text.match_indices(id.as_str()).any(|(i, _)| {
                let before = text[..i].chars().last();
                let after = text[i + id.len()..].chars().next();
                !before.is_some_and(|c| c.is_ascii_alphanumeric())
                    && !after.is_some_and(|c| c.is_ascii_alphanumeric())
            });
            if whole {
                found.push(format!("{id} in {name}"));
            }
        }
    }
    found
}

#[test]
fn a_pack_round_trips_the_study_without_its_input_data() {
    let p = study();
    let pack = p.run(&["pack", "--to", "study.tar"]).ok();
    assert!(pack.stdout.contains("packed"), "{}", pack.stdout);
    let unpacked = p.run(&["unpack", "study.tar", "--to", "lab-b"]).ok();
    for needle in ["stage `notes`", "scripts/notes.sh", "models/tiny_cnn.onnx"] {
        assert!(
            unpacked.stdout.contains(needle),
            "{needle}: {}",
            unpacked.stdout
        );
    }
    let dir = p.path().join("lab-b");
    let names: Vec<String> = files_below(&dir).into_iter().map(|(n, _)| n).collect();
    for expected in [
        "radflow.yaml",
        "radflow.lock",
        "stages/study.yaml",
        "scripts/notes.sh",
        "results/report/metrics.json",
        "environment.json",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
    }
    assert!(
        names.iter().all(|n| !n.starts_with("data/")),
        "input data packed: {names:?}"
    );
    assert!(!names.iter().any(|n| n.ends_with(".onnx")), "{names:?}");
    for name in ["radflow.yaml", "radflow.lock", "scripts/notes.sh"] {
        assert_eq!(
            fs::read(dir.join(name)).unwrap(),
            fs::read(p.path().join(name)).unwrap(),
            "{name}"
        );
    }
    let env = fs::read_to_string(dir.join("environment.json")).unwrap();
    assert!(env.contains("\"cpu_flags\""), "{env}");
    p.run(&["pack", "--to", "models.tar", "--with-models"]).ok();
    p.run(&["unpack", "models.tar", "--to", "lab-c"]).ok();
    assert_eq!(
        fs::read(p.path().join("lab-c/models/tiny_cnn.onnx")).unwrap(),
        fs::read(p.path().join("models/tiny_cnn.onnx")).unwrap()
    );
}

#[test]
fn a_pseudonymized_pack_holds_no_patient_id_of_the_cohort() {
    let p = study();
    let ids = patient_ids(&p);
    p.run(&["pack", "--to", "plain.tar"]).ok();
    p.run(&["unpack", "plain.tar", "--to", "plain"]).ok();
    let plain = ids_found(&p.path().join("plain"), &ids);
    assert!(
        !plain.is_empty(),
        "the plain pack names patients, or this test proves nothing"
    );
    p.run(&["pack", "--to", "pseudo.tar", "--pseudonymize"])
        .ok();
    let raw = fs::read(p.path().join("pseudo.tar")).unwrap();
    p.run(&["unpack", "pseudo.tar", "--to", "pseudo"]).ok();
    let leaked = ids_found(&p.path().join("pseudo"), &ids);
    let raw_text = String::from_utf8_lossy(&raw);
    let in_tar: Vec<&String> = ids
        .iter()
        .filter(|id| raw_text.contains(id.as_str()))
        .collect();
    println!(
        "patients {}: named in the plain pack {}, in the pseudonymized pack {}",
        ids.len(),
        plain.len(),
        leaked.len()
    );
    assert!(leaked.is_empty(), "{leaked:?}");
    assert!(in_tar.is_empty(), "{in_tar:?}");
}

/// A small pack of a command-only pipeline (no ONNX needed).
fn small_pack() -> (Project, PathBuf) {
    let p = Project::new()
        .file(
            "radflow.yaml",
            "stages:\n  hello:\n    kind: command\n    with:\n      run: \"sh scripts/hello.sh > {out}/h.txt\"\n      files: [scripts/hello.sh]\n      outputs: [h.txt]\n",
        )
        .file("scripts/hello.sh", "echo hello-from-lab-a\n");
    p.run(&["run"]).ok();
    p.run(&["pack", "--to", "small.tar"]).ok();
    let pack = p.path().join("small.tar");
    (p, pack)
}

#[test]
fn a_tampered_member_is_refused_and_nothing_is_written() {
    let (p, pack) = small_pack();
    let mut bytes = fs::read(&pack).unwrap();
    let at = bytes
        .windows(16)
        .position(|w| w == b"hello-from-lab-a")
        .expect("the script is in the tar");
    bytes[at] = b'j';
    fs::write(&pack, &bytes).unwrap();
    let run = p.run(&["unpack", "small.tar", "--to", "out-b"]).code(3);
    assert!(run.stderr.contains("scripts/hello.sh"), "{}", run.stderr);
    assert!(
        run.stderr.contains("changed after packing"),
        "{}",
        run.stderr
    );
    assert!(!p.exists("out-b/radflow.yaml"));
}

#[test]
fn a_truncated_pack_is_refused() {
    let (p, pack) = small_pack();
    let bytes = fs::read(&pack).unwrap();
    fs::write(&pack, &bytes[..bytes.len() / 2]).unwrap();
    let run = p.run(&["unpack", "small.tar", "--to", "out-b"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains("truncated") || run.stderr.contains("not a radflow pack"),
        "{}",
        run.stderr
    );
    assert!(!p.exists("out-b/radflow.yaml"));
}

#[test]
fn a_zstd_pack_is_the_same_tar_compressed_and_is_checked_like_one() {
    let (p, plain) = small_pack();
    p.run(&["pack", "--to", "small.tar.zst"]).ok();
    let compressed = fs::read(p.path().join("small.tar.zst")).unwrap();
    assert_eq!(compressed[..4], [0x28, 0xB5, 0x2F, 0xFD], "zstd magic");
    // zstd's own decoder gives back the plain pack of the same study, byte for byte.
    let tar = zstd::decode_all(&compressed[..]).unwrap();
    assert_eq!(tar, fs::read(&plain).unwrap());
    // Recognised by content, whatever the name.
    fs::write(p.path().join("renamed.pack"), &compressed).unwrap();
    p.run(&["unpack", "renamed.pack", "--to", "out-z"]).ok();
    assert_eq!(p.read("out-z/scripts/hello.sh"), "echo hello-from-lab-a\n");
    // Tampered inside the compression: refused by the member's hash, nothing written.
    let mut tampered = tar.clone();
    let at = tampered
        .windows(16)
        .position(|w| w == b"hello-from-lab-a")
        .expect("the script is in the tar");
    tampered[at] = b'j';
    fs::write(
        p.path().join("bad.tar.zst"),
        zstd::encode_all(&tampered[..], 3).unwrap(),
    )
    .unwrap();
    let run = p.run(&["unpack", "bad.tar.zst", "--to", "out-bad"]).code(3);
    assert!(
        run.stderr.contains("changed after packing"),
        "{}",
        run.stderr
    );
    assert!(!p.exists("out-bad/radflow.yaml"));
    // Truncated: refused, nothing written.
    fs::write(
        p.path().join("cut.tar.zst"),
        &compressed[..compressed.len() / 2],
    )
    .unwrap();
    let run = p.run(&["unpack", "cut.tar.zst", "--to", "out-cut"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(!p.exists("out-cut/radflow.yaml"));
}

/// A tar with a valid manifest naming `member`, whose entry is written with `name` and `kind`.
fn hostile_pack(p: &Project, name: &[u8], kind: tar::EntryType, link: Option<&str>) {
    let body = b"owned\n";
    let manifest = format!(
        "{{\"format\":1,\"radflow\":\"0.1.0\",\"pipeline_name\":\"x\",\"pipeline\":\"radflow.yaml\",\"lock\":null,\"pseudonymized\":false,\"members\":{{\"{}\":{{\"bytes\":{},\"blake3\":\"{}\",\"role\":\"script\"}}}},\"programs\":[],\"models\":{{}}}}",
        String::from_utf8_lossy(name),
        body.len(),
        blake3::hash(body).to_hex()
    );
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(manifest.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder
        .append_data(&mut header, "radflow-pack.json", manifest.as_bytes())
        .unwrap();
    let mut header = tar::Header::new_gnu();
    // Written into the raw name field: the tar crate itself refuses such names.
    header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
    header.set_entry_type(kind);
    if let Some(target) = link {
        header.set_link_name(target).unwrap();
        header.set_size(0);
    } else {
        header.set_size(body.len() as u64);
    }
    header.set_mode(0o644);
    header.set_cksum();
    let data: &[u8] = if link.is_some() { b"" } else { body };
    builder.append(&header, data).unwrap();
    fs::write(p.path().join("hostile.tar"), builder.into_inner().unwrap()).unwrap();
}

#[test]
fn packs_whose_members_leave_the_folder_are_refused_and_write_nothing() {
    let p = Project::new();
    let cases: [(&[u8], tar::EntryType, Option<&str>, &str); 5] = [
        (
            b"../escaped.txt",
            tar::EntryType::Regular,
            None,
            "`..` in its path",
        ),
        (
            b"a/../../escaped.txt",
            tar::EntryType::Regular,
            None,
            "`..` in its path",
        ),
        (
            b"/tmp/escaped.txt",
            tar::EntryType::Regular,
            None,
            "an absolute path",
        ),
        (b"link", tar::EntryType::Symlink, Some("/etc"), "a link"),
        // A pack may not write the record that says the folder came from a pack.
        (
            b"./radflow-unpacked.json",
            tar::EntryType::Regular,
            None,
            "would replace the record",
        ),
    ];
    let (mut refused, total) = (0, cases.len());
    for (name, kind, link, why) in cases {
        hostile_pack(&p, name, kind, link);
        let run = p.run(&["unpack", "hostile.tar", "--to", "inbox/b"]).code(3);
        assert!(run.stderr.contains(why), "{why}: {}", run.stderr);
        assert!(!p.exists("escaped.txt") && !p.exists("inbox/escaped.txt"));
        assert!(!p.exists("inbox/b"), "nothing written");
        refused += 1;
    }
    println!("hostile packs refused: {refused} of {total}");
}

#[test]
fn a_pack_from_a_newer_radflow_is_refused() {
    let (p, pack) = small_pack();
    let mut bytes = fs::read(&pack).unwrap();
    let at = bytes
        .windows(11)
        .position(|w| w == b"\"format\": 1")
        .expect("the manifest names its format");
    // Same length, so the tar headers stay valid; the manifest's hash is not in the pack.
    bytes[at + 10] = b'9';
    fs::write(&pack, &bytes).unwrap();
    let run = p.run(&["unpack", "small.tar", "--to", "out-b"]).code(3);
    assert!(
        run.stderr.contains("newer radflow (pack format 9"),
        "{}",
        run.stderr
    );
}
