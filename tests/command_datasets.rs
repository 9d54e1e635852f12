//! A lab's own Python steps as first-class stages: `{input}` and `{item}` in the exchange
//! format, per-record and per-dataset outputs that built-in stages consume, item-level reuse
//! after an edit, and every kind of bad output refused with the stage, the item, the file, the
//! program's last lines and its kept log, caching nothing for the failing item.

mod common;

use std::collections::BTreeSet;
use std::fs;

use common::{Project, python};
use serde_json::Value as Json;

/// The imaging stages of the study on a tiny cohort, then a per-record Python feature
/// extractor (`embed`) feeding the built-in head, and a per-dataset one (`double`) feeding a
/// second head and its evaluation.
const OWN_STEPS: &str = concat!(
    r#"
pipeline: own
stages:
"#,
    common::imaging_stages!(),
    r#"  resized:
    kind: resize
    input: lesions
    with: {size: [48, 48]}
  embed:
    kind: command
    input: resized
    with:
      run: [PYTHON, scripts/embed.py, "{item}", "{out}"]
      files: [scripts/embed.py]
      foreach: input
      output: dataset
  head:
    kind: train_head
    input: embed
    with: {steps: 100, standardize: true, split: {validation: 0.2, test: 0.2}}
  double:
    kind: command
    input: embed
    with:
      run: [PYTHON, scripts/double.py, "{input}", "{out}"]
      files: [scripts/double.py]
      output: dataset
  head2:
    kind: train_head
    input: double
    with: {steps: 100, standardize: true, split: {by: patient, validation: 0.2, test: 0.2}}
  evaluation2:
    kind: evaluate
    inputs: {head: head2, features: double}
"#
);

/// 4x4 block means of the 48x48 image: 16 features, plus the image mean as a scalar.
const EMBED: &str = r#"import json, os, sys
import numpy as np
item, out = sys.argv[1:]
record = json.load(open(os.path.join(item, "record.json")))
image = np.load(os.path.join(item, "image.npy"))
features = image.reshape(4, 12, 4, 12).mean(axis=(1, 3)).ravel().astype(np.float32)
np.save(os.path.join(out, "features.npy"), features)
json.dump({"id": record["id"], "mean": float(image.mean())}, open(os.path.join(out, "record.json"), "w"))
with open("calls.log", "a") as log:
    print(record["id"], file=log)
"#;

/// Doubles every feature vector; writes only ids and features (the rest carries over).
const DOUBLE: &str = r#"import json, os, sys
import numpy as np
import pandas as pd
src, out = sys.argv[1:]
meta = json.load(open(os.path.join(src, "dataset.json")))
records = pd.read_csv(os.path.join(src, "records.csv"))
x = np.load(os.path.join(src, "features.npy"))
np.save(os.path.join(out, "features.npy"), (2 * x).astype(np.float32))
records[["id"]].to_csv(os.path.join(out, "records.csv"), index=False)
json.dump({"format": "radflow-dataset/1", "count": len(records), "fields": [
    {"name": "id", "dtype": "str", "role": "id"},
    {"name": "features", "dtype": "float32", "shape": [x.shape[1]], "role": "array"},
]}, open(os.path.join(out, "dataset.json"), "w"))
"#;

fn own_steps() -> Project {
    python::require(&["numpy", "pandas"]);
    let yaml = OWN_STEPS.replace("PYTHON", &python::python());
    let p = common::tiny_study(&yaml, "12", "48", "8,12");
    p.write("scripts/embed.py", EMBED);
    p.write("scripts/double.py", DOUBLE);
    p
}

/// `run --json`'s items of `instance`: (total, computed, reused).
fn items(run_json: &Json, instance: &str) -> (u64, u64, u64) {
    let entry = run_json["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair[0] == instance)
        .unwrap_or_else(|| panic!("no `{instance}` in the run record"));
    let items = &entry[1]["items"];
    let count = |name: &str| {
        items[name]
            .as_u64()
            .unwrap_or_else(|| panic!("no items.{name} for `{instance}` in {entry}"))
    };
    (count("total"), count("computed"), count("reused"))
}

#[test]
fn python_stages_per_record_and_per_dataset_feed_the_built_in_head() {
    let p = own_steps();
    let run = p.run(&["run"]).ok();
    for stage in ["embed", "head", "double", "head2", "evaluation2"] {
        assert_eq!(run.status_of(stage), "ran", "{}", run.stdout);
    }
    // The fields the program wrote joined the records; id, class and group carried over.
    let shown: Json =
        serde_json::from_str(&p.run(&["show", "embed", "--json"]).ok().stdout).unwrap();
    let fields: BTreeSet<String> = shown["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["name"].as_str().unwrap(),
                f["dtype"].as_str().unwrap(),
                f["role"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "features float32 array",
        "mean float64 scalar",
        "grade str class",
        "patient str group",
        "image float32 array",
    ] {
        assert!(fields.contains(expected), "{expected} in {fields:?}");
    }
    // numpy recomputes the features from the exported images: what the stage stored is what
    // the program computed, record by record.
    p.run(&["export", "resized", "--to", "x/resized"]).ok();
    p.run(&["export", "embed", "--to", "x/embed"]).ok();
    p.run(&["export", "double", "--to", "x/double"]).ok();
    let check = python::run(
        p.path(),
        r#"import numpy as np, pandas as pd
images = np.load("x/resized/image.npy")
mine = images.reshape(-1, 4, 12, 4, 12).mean(axis=(2, 4)).reshape(len(images), 16).astype(np.float32)
stored = np.load("x/embed/features.npy")
doubled = np.load("x/double/features.npy")
same_ids = list(pd.read_csv("x/resized/records.csv")["id"]) == list(pd.read_csv("x/embed/records.csv")["id"])
rows = sum(bool((a == b).all()) for a, b in zip(mine, stored))
print(len(images), rows, int((doubled == 2 * stored).all()), int(same_ids))"#,
    );
    let n: Vec<usize> = check
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    println!(
        "features recomputed by numpy vs stored: {} agree, 0 refused, {} differ",
        n[1],
        n[0] - n[1]
    );
    assert!(n[0] > 0);
    assert_eq!(n[1], n[0], "every row agrees");
    assert_eq!(
        n[2], 1,
        "the per-dataset stage's features are the doubled ones"
    );
    assert_eq!(n[3], 1, "one record order everywhere");
    // Nothing reruns.
    let again = p.run(&["run"]).ok();
    assert_eq!(again.status_of("embed"), "cached", "{}", again.stdout);
}

#[test]
fn editing_one_patients_scan_reruns_only_that_patients_python_items() {
    python::require(&["numpy", "nrrd"]);
    let p = own_steps();
    let first: Json = serde_json::from_str(&p.run(&["run", "--json"]).ok().stdout).unwrap();
    let (total, computed, reused) = items(&first, "embed");
    assert_eq!(
        (computed, reused),
        (total, 0),
        "the first run computes every item"
    );
    // A patient with lesion slices: the first id of the embed log.
    let patient = p.calls()[0].split('/').next().unwrap().to_string();
    p.clear_calls();
    python::run(
        p.path(),
        &format!(
            "import nrrd, numpy as np\npath = 'data/{patient}/image.nrrd'\ndata, header = nrrd.read(path)\nnoise = np.random.default_rng(0).integers(0, 40, data.shape)\nnrrd.write(path, (data + noise).astype(data.dtype), header)"
        ),
    );
    let second: Json = serde_json::from_str(&p.run(&["run", "--json"]).ok().stdout).unwrap();
    let (total2, computed2, reused2) = items(&second, "embed");
    let (_, resized_computed, _) = items(&second, "resized");
    assert_eq!(total2, total);
    assert!(computed2 > 0 && computed2 < total, "{computed2} of {total}");
    assert_eq!(computed2, resized_computed, "exactly the re-resized slices");
    assert_eq!(reused2, total - computed2);
    let calls = p.calls();
    assert_eq!(calls.len() as u64, computed2);
    assert!(
        calls
            .iter()
            .all(|id| id.starts_with(&format!("{patient}/"))),
        "only {patient}'s items ran: {calls:?}"
    );
}

/// A small dataset made by a per-dataset program, then a per-record program (`user`) and a
/// per-dataset one (`table`) that misbehave on record `r3` in the way `fault.txt` says.
const FAULTS: &str = r#"
pipeline: faults
stages:
  source:
    kind: command
    with:
      run: [PYTHON, scripts/source.py, "{out}"]
      files: [scripts/source.py]
      output: dataset
  user:
    kind: command
    input: source
    with:
      run: [PYTHON, scripts/user.py, "{item}", "{out}"]
      files: [scripts/user.py]
      foreach: input
      output: dataset
  table:
    kind: command
    input: source
    with:
      run: [PYTHON, scripts/table.py, "{input}", "{out}"]
      files: [scripts/table.py]
      output: dataset
"#;

const SOURCE: &str = r#"import json, os, sys
import numpy as np
out = sys.argv[1]
ids = ["r0", "r1", "r2", "r3"]
np.save(os.path.join(out, "features.npy"), np.arange(16, dtype=np.float32).reshape(4, 4))
with open(os.path.join(out, "records.csv"), "w") as f:
    f.write("id,label,group\n" + "".join(f"{i},{'ab'[n % 2]},g{n // 2}\n" for n, i in enumerate(ids)))
json.dump({"format": "radflow-dataset/1", "count": 4, "classes": ["a", "b"], "fields": [
    {"name": "id", "dtype": "str", "role": "id"},
    {"name": "label", "dtype": "str", "role": "class"},
    {"name": "group", "dtype": "str", "role": "group"},
    {"name": "features", "dtype": "float32", "shape": [4], "role": "array"},
]}, open(os.path.join(out, "dataset.json"), "w"))
"#;

const USER: &str = r#"import json, os, sys
import numpy as np
item, out = sys.argv[1:]
rid = json.load(open(os.path.join(item, "record.json")))["id"]
x = np.load(os.path.join(item, "features.npy"))
fault = open("fault.txt").read().strip() if os.path.exists("fault.txt") and rid == "r3" else ""
with open("calls.log", "a") as log:
    print(rid, file=log)
print(f"user.py: {rid} fault={fault or 'none'}", file=sys.stderr)
score = os.path.join(out, "score.npy")
if fault == "exit":
    sys.exit(3)
elif fault == "nothing":
    pass
elif fault == "garbage":
    open(score, "wb").write(b"not an array")
elif fault == "float64":
    np.save(score, (2 * x).astype(np.float64))
elif fault == "shape":
    np.save(score, np.zeros((2, 2), dtype=np.float32))
elif fault == "badid":
    np.save(score, 2 * x)
    json.dump({"id": "r9"}, open(os.path.join(out, "record.json"), "w"))
elif fault == "nan":
    np.save(score, np.full(4, np.nan, dtype=np.float32))
elif fault == "link":
    os.symlink(os.path.abspath("secret.npy"), score)
else:
    np.save(score, 2 * x)
"#;

const TABLE: &str = r#"import json, os, shutil, sys
import numpy as np
src, out = sys.argv[1:]
fault = open("table_fault.txt").read().strip() if os.path.exists("table_fault.txt") else ""
print(f"table.py: fault={fault or 'none'}", file=sys.stderr)
if fault == "exit":
    sys.exit(1)
if fault == "nothing":
    sys.exit(0)
ids = ["r0", "r1", "r2", "r3" if fault != "badid" else "zz"]
x = np.load(os.path.join(src, "features.npy"))
shape = [4] if fault != "shape" else [3]
np.save(os.path.join(out, "scaled.npy"), (x * 3).astype(np.float32))
mean = ["nan" if fault == "nan" and i == "r3" else "0.5" for i in ids]
with open(os.path.join(out, "records.csv"), "w") as f:
    f.write("id,mean\n" + "".join(f"{i},{m}\n" for i, m in zip(ids, mean)))
json.dump({"format": "radflow-dataset/1", "count": 4, "fields": [
    {"name": "id", "dtype": "str", "role": "id"},
    {"name": "mean", "dtype": "float64", "role": "scalar"},
    {"name": "scaled", "dtype": "float32", "shape": shape, "role": "array"},
]}, open(os.path.join(out, "dataset.json"), "w"))
"#;

fn faults() -> Project {
    python::require(&["numpy"]);
    let p = Project::new()
        .file("radflow.yaml", &FAULTS.replace("PYTHON", &python::python()))
        .file("scripts/source.py", SOURCE)
        .file("scripts/user.py", USER)
        .file("scripts/table.py", TABLE);
    python::run(
        p.path(),
        "import numpy as np; np.save('secret.npy', np.ones(4, dtype=np.float32))",
    );
    p
}

/// The kept log path an error names (`its log: PATH`).
fn kept_log(text: &str) -> String {
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("its log: "))
        .unwrap_or_else(|| panic!("no log path in\n{text}"));
    line.trim().to_string()
}

#[test]
fn a_per_record_program_that_misbehaves_is_named_and_caches_nothing_for_that_item() {
    let cases = [
        ("exit", "exited with status 3"),
        ("nothing", "wrote no record at {out}"),
        ("garbage", "`{out}/score.npy`: not a .npy file"),
        (
            "float64",
            "`{out}/score.npy` is float64, but `r0` wrote float32",
        ),
        (
            "shape",
            "`{out}/score.npy` has shape [2, 2], but `r0` wrote [4]",
        ),
        ("badid", "says id \"r9\", but the item is `r3`"),
        (
            "nan",
            "`{out}/score.npy`: holds NaN or infinite float32 values",
        ),
        ("link", "`{out}/score.npy`: is a link to"),
    ];
    let mut agree = 0;
    for (fault, expected) in cases {
        // A fresh project per case: the fault file is not in the key, so a stage stored by
        // an earlier case would be reused whole.
        let p = faults();
        p.write("fault.txt", fault);
        let run = p.run(&["run", "-j", "1", "--only", "user"]).code(1);
        let text = format!("{}{}", run.stdout, run.stderr);
        assert!(text.contains("user"), "{fault}: the stage is named\n{text}");
        assert!(text.contains("`r3`"), "{fault}: the item is named\n{text}");
        assert!(text.contains(expected), "{fault}: `{expected}` in\n{text}");
        assert!(
            text.contains(&format!("user.py: r3 fault={fault}")),
            "{fault}: the program's last lines are shown\n{text}"
        );
        let log = kept_log(&text);
        let kept = fs::read_to_string(p.path().join(&log))
            .unwrap_or_else(|e| panic!("{fault}: the log {log} is kept: {e}"));
        assert!(kept.contains("user.py: r3"), "{fault}: {kept}");
        agree += 1;
        // The other items stayed cached; only r3 runs once the fault is gone.
        fs::remove_file(p.path().join("fault.txt")).unwrap();
        p.clear_calls();
        let fixed: Json = serde_json::from_str(
            &p.run(&["run", "-j", "1", "--only", "user", "--json"])
                .ok()
                .stdout,
        )
        .unwrap();
        assert_eq!(items(&fixed, "user"), (4, 1, 3), "{fault}: only r3 reran");
        assert_eq!(p.calls(), ["r3"], "{fault}");
    }
    println!("bad per-record outputs: {agree} refused as expected, 0 accepted");
}

#[test]
fn a_per_dataset_program_that_misbehaves_is_named_with_the_file() {
    let p = faults();
    let cases = [
        ("exit", "exited with status 1"),
        ("nothing", "`{out}/dataset.json`: is missing"),
        (
            "badid",
            "the id `zz` is not a record of the program's input",
        ),
        (
            "shape",
            "`{out}/scaled.npy`: is float32 [4, 4]; dataset.json says float32 [4, 3]",
        ),
        ("nan", "NaN and infinities are not allowed"),
    ];
    for (fault, expected) in cases {
        p.write("table_fault.txt", fault);
        let run = p.run(&["run", "--only", "table"]).code(1);
        let text = format!("{}{}", run.stdout, run.stderr);
        assert!(
            text.contains("table"),
            "{fault}: the stage is named\n{text}"
        );
        assert!(text.contains(expected), "{fault}: `{expected}` in\n{text}");
        assert!(
            text.contains(&format!("table.py: fault={fault}")),
            "{fault}\n{text}"
        );
        let log = kept_log(&text);
        assert!(p.path().join(&log).is_file(), "{fault}: {log}");
    }
    fs::remove_file(p.path().join("table_fault.txt")).unwrap();
    p.run(&["run"]).ok();
    let shown: Json =
        serde_json::from_str(&p.run(&["show", "table", "--json"]).ok().stdout).unwrap();
    let roles: BTreeSet<String> = shown["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["name"].as_str().unwrap(),
                f["role"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "label class",
        "group group",
        "scaled array",
        "features array",
        "mean scalar",
    ] {
        assert!(roles.contains(expected), "{expected}: {roles:?}");
    }
}

#[test]
fn the_input_directory_is_made_once_and_shared_read_only_between_runs() {
    let p = faults();
    p.run(&["run", "--only", "table"]).ok();
    let derived = p.cache_dir().join("derived/radflow-dataset-1");
    let folders: Vec<_> = fs::read_dir(&derived).unwrap().flatten().collect();
    assert_eq!(folders.len(), 1, "one view of `source`");
    let view = folders[0].path();
    let made = fs::metadata(view.join("features.npy"))
        .unwrap()
        .modified()
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(view.join("features.npy"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o222, 0, "the view's files are read-only");
    let mode = fs::metadata(&view).unwrap().permissions().mode();
    assert_eq!(mode & 0o222, 0, "so is the folder");
    p.run(&["run", "--only", "table", "--force", "table"]).ok();
    let again = fs::metadata(view.join("features.npy"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(made, again, "a rerun reuses the view");
    // gc removes a view with its dataset (no lock file: `--only` runs leave it alone).
    assert!(!p.exists("radflow.lock"));
    let gc = p
        .run(&["gc", "--keep-runs", "0", "--grace-minutes", "0"])
        .ok();
    assert!(gc.stdout.contains("1 derived folders"), "{}", gc.stdout);
    assert!(!view.exists());
}

#[test]
fn a_folder_output_is_stored_whole_and_published() {
    let p = Project::new().file(
        "radflow.yaml",
        r#"
pipeline: plots
stages:
  draw:
    kind: command
    publish: true
    with:
      run: "mkdir -p {out}/plots/sub && echo a > {out}/plots/a.svg && echo b > {out}/plots/sub/b.svg"
      outputs: [plots/]
"#,
    );
    p.run(&["run"]).ok();
    assert_eq!(p.read("out/plots/draw/plots/a.svg"), "a\n");
    assert_eq!(p.read("out/plots/draw/plots/sub/b.svg"), "b\n");
    let missing = Project::new().file(
        "radflow.yaml",
        "stages:\n  draw:\n    kind: command\n    with: {run: \"true\", outputs: [plots/]}\n",
    );
    let run = missing.run(&["run"]).code(1);
    assert!(
        run.stderr
            .contains("did not write its declared folder `plots/`"),
        "{}",
        run.stderr
    );
}
