//! Trust through the real binary: lab A packs a study with command stages; lab B unpacks it,
//! sees every program with its hash, cannot run it until `radflow trust`, and is asked again
//! when a script or a command changes after that, but not when it replaces its own data. A
//! study written here needs no trust. Expected hashes come from the blake3 crate, never from
//! radflow's own output.

mod common;

use std::fs;
use std::path::Path;

use common::Project;

/// Lab A's study: a shell string and an argument list, each running a script; `count` also
/// reads the lab's own data file. Each script logs its runs to `calls.log`.
const STUDY: &str = r#"
pipeline: notes
stages:
  count:
    kind: command
    with:
      run: "sh scripts/count.sh data/in.txt > {out}/n.txt"
      files: [scripts/count.sh, data/in.txt]
      outputs: [n.txt]
  shout:
    kind: command
    input: count
    publish: true
    with:
      run: [sh, scripts/shout.sh, "{input}", "{out}"]
      files: [scripts/shout.sh]
      outputs: [s.txt]
"#;

const COUNT: &str = "echo count >> calls.log\nwc -l < \"$1\"\n";
const SHOUT: &str =
    "echo shout >> calls.log\ntr 0-9 a-j < \"$1\"/files/output/n.txt > \"$2\"/s.txt\n";

fn blake3_hex(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

/// Lab A writes and runs the study (it needs no trust there) and packs it.
fn lab_a() -> Project {
    let a = Project::new()
        .file("radflow.yaml", STUDY)
        .file("scripts/count.sh", COUNT)
        .file("scripts/shout.sh", SHOUT)
        .file("data/in.txt", "one\ntwo\n");
    a.run(&["run"]).ok();
    a.run(&["pack", "--to", "study.tar"]).ok();
    a
}

/// Lab B: the pack unpacked into `study/`, with its own data file. Returns unpack's output.
fn lab_b(a: &Project) -> (Project, String) {
    let b = Project::new();
    let pack = a.path().join("study.tar");
    let unpacked = b
        .run(&["unpack", pack.to_str().unwrap(), "--to", "study"])
        .ok();
    b.write("study/data/in.txt", "alpha\nbeta\ngamma\n");
    (b, unpacked.stdout)
}

/// The stages whose scripts ran in lab B's study.
fn calls(b: &Project) -> Vec<String> {
    fs::read_to_string(b.path().join("study/calls.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Every file below `dir` (none if it does not exist).
fn file_count(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                file_count(&e.path())
            } else {
                1
            }
        })
        .sum()
}

const PIPELINE: &str = "study/radflow.yaml";

#[test]
fn unpack_lists_every_program_with_its_hash_and_says_how_to_trust_it() {
    let a = lab_a();
    let (b, stdout) = lab_b(&a);
    for needle in [
        "stage `count` runs: sh scripts/count.sh data/in.txt > {out}/n.txt".to_string(),
        r#"stage `shout` runs: ["sh","scripts/shout.sh","{input}","{out}"]"#.to_string(),
        format!("script scripts/count.sh  blake3 {}", blake3_hex(COUNT)),
        format!("script scripts/shout.sh  blake3 {}", blake3_hex(SHOUT)),
        format!("radflow trust {PIPELINE}"),
    ] {
        assert!(stdout.contains(&needle), "{needle}:\n{stdout}");
    }
    assert!(
        !stdout.contains("data/in.txt  blake3"),
        "the lab's own data is not a program:\n{stdout}"
    );
    assert!(b.exists("study/radflow-unpacked.json"));
}

#[test]
fn an_unpacked_study_runs_nothing_until_its_programs_are_trusted() {
    let a = lab_a();
    let (b, _) = lab_b(&a);
    let refused = b.run(&["run", PIPELINE]).code(4);
    for needle in [
        "came from a pack".to_string(),
        "stage `count` runs `sh scripts/count.sh data/in.txt > {out}/n.txt`".to_string(),
        "stage `shout`".to_string(),
        format!("script `scripts/count.sh` blake3 {}", blake3_hex(COUNT)),
        format!("`radflow trust {PIPELINE}`"),
        "nothing was run".to_string(),
    ] {
        assert!(
            refused.stderr.contains(&needle),
            "{needle}:\n{}",
            refused.stderr
        );
    }
    assert!(calls(&b).is_empty(), "{:?}", calls(&b));
    assert_eq!(file_count(&b.path().join("study/cache/stages")), 0);

    let status = b.run(&["status", PIPELINE]).ok();
    for stage in ["count", "shout"] {
        let line = status
            .stdout
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(stage))
            .unwrap_or_else(|| panic!("{stage}:\n{}", status.stdout));
        assert!(
            line.starts_with("blocked") && line.contains("radflow trust"),
            "{line}"
        );
    }

    let trusted = b.run(&["trust", PIPELINE]).ok();
    assert!(
        trusted.stdout.contains("trusted 2 command stage(s)"),
        "{}",
        trusted.stdout
    );
    assert_eq!(
        file_count(&b.trust_dir()),
        1,
        "one acceptance, outside the study"
    );
    let run = b.run(&["run", PIPELINE]).ok();
    assert_eq!(run.status_of("shout"), "ran");
    assert_eq!(calls(&b), ["count", "shout"]);
    assert_eq!(b.read("study/out/notes/shout/s.txt").trim(), "d");

    b.run(&["trust", "--revoke", PIPELINE]).ok();
    b.run(&["run", PIPELINE]).code(4);
}

#[test]
fn a_changed_script_or_command_after_trust_asks_again_naming_what_changed() {
    let a = lab_a();
    let (b, _) = lab_b(&a);
    b.run(&["trust", PIPELINE]).ok();
    b.run(&["run", PIPELINE]).ok();
    let edited = format!("{COUNT}echo extra >> calls.log\n");
    b.write("study/scripts/count.sh", &edited);
    let refused = b.run(&["run", PIPELINE]).code(4);
    let expected = format!(
        "stage `count`: script `scripts/count.sh` changed since it was trusted: blake3 {} then, {} now",
        blake3_hex(COUNT),
        blake3_hex(&edited)
    );
    assert!(refused.stderr.contains(&expected), "{}", refused.stderr);
    assert!(
        !refused.stderr.contains("stage `shout`"),
        "{}",
        refused.stderr
    );
    assert_eq!(calls(&b), ["count", "shout"], "nothing ran again");
    let again = b.run(&["trust", PIPELINE]).ok();
    assert!(again.stdout.contains(&expected), "{}", again.stdout);
    b.run(&["run", PIPELINE]).ok();
    assert_eq!(calls(&b), ["count", "shout", "count", "extra"]);

    let pipeline = b.read(PIPELINE).replace("> {out}/n.txt", ">{out}/n.txt");
    b.write(PIPELINE, &pipeline);
    let refused = b.run(&["run", PIPELINE]).code(4);
    assert!(
        refused.stderr.contains(
            "stage `count`: its command changed since it was trusted: `sh scripts/count.sh data/in.txt > {out}/n.txt` then, `sh scripts/count.sh data/in.txt >{out}/n.txt` now"
        ),
        "{}",
        refused.stderr
    );
}

#[test]
fn replacing_the_labs_own_data_asks_for_no_new_trust() {
    let a = lab_a();
    let (b, _) = lab_b(&a);
    b.run(&["trust", PIPELINE]).ok();
    b.run(&["run", PIPELINE]).ok();
    b.write("study/data/in.txt", "alpha\n");
    let run = b.run(&["run", PIPELINE]).ok();
    assert_eq!(run.status_of("count"), "ran");
    assert_eq!(b.read("study/out/notes/shout/s.txt").trim(), "b");
}

#[test]
fn the_same_pack_unpacked_elsewhere_is_trusted_on_its_own() {
    let a = lab_a();
    let (b, _) = lab_b(&a);
    b.run(&["trust", PIPELINE]).ok();
    let pack = a.path().join("study.tar");
    b.run(&["unpack", pack.to_str().unwrap(), "--to", "copy"])
        .ok();
    b.write("copy/data/in.txt", "x\n");
    let refused = b.run(&["run", "copy/radflow.yaml"]).code(4);
    assert!(
        refused.stderr.contains("`radflow trust copy/radflow.yaml`"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_study_written_here_runs_without_trust() {
    let a = lab_a();
    assert_eq!(
        file_count(&a.trust_dir()),
        0,
        "lab A ran without accepting anything"
    );
    let said = a.run(&["trust"]).ok();
    assert!(
        said.stdout.contains("did not come from a pack"),
        "{}",
        said.stdout
    );
    assert_eq!(file_count(&a.trust_dir()), 0, "nothing recorded");
    a.write("scripts/count.sh", "echo count >> calls.log\necho 7\n");
    a.run(&["run"]).ok();
}

/// A pack written by hand: `members` (name, bytes) behind a manifest naming each with its
/// blake3, as another tool (or a hostile lab) could make it.
fn hand_made_pack(path: &Path, members: &[(&str, &str)]) {
    let listed: Vec<String> = members
        .iter()
        .map(|(name, body)| {
            format!(
                "\"{name}\":{{\"bytes\":{},\"blake3\":\"{}\",\"role\":\"script\"}}",
                body.len(),
                blake3_hex(body)
            )
        })
        .collect();
    let manifest = format!(
        "{{\"format\":1,\"radflow\":\"0.1.0\",\"pipeline_name\":\"hand\",\"pipeline\":\"radflow.yaml\",\"lock\":null,\"pseudonymized\":false,\"members\":{{{}}},\"programs\":[],\"models\":{{}}}}",
        listed.join(",")
    );
    let mut builder = tar::Builder::new(Vec::new());
    for (name, body) in
        std::iter::once(("radflow-pack.json", manifest.as_str())).chain(members.iter().copied())
    {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, name, body.as_bytes())
            .unwrap();
    }
    fs::write(path, builder.into_inner().unwrap()).unwrap();
}

#[test]
fn a_script_that_came_in_the_pack_is_pinned_whatever_its_name() {
    let b = Project::new();
    let step = "echo step >> calls.log\necho done\n";
    hand_made_pack(
        &b.path().join("hand.tar"),
        &[
            (
                "radflow.yaml",
                "pipeline: hand\nstages:\n  step:\n    kind: command\n    with:\n      run: \"sh tools/step.dat > {out}/x.txt\"\n      outputs: [x.txt]\n",
            ),
            ("tools/step.dat", step),
        ],
    );
    let unpacked = b.run(&["unpack", "hand.tar", "--to", "study"]).ok();
    let pinned = format!("script tools/step.dat  blake3 {}", blake3_hex(step));
    assert!(unpacked.stdout.contains(&pinned), "{}", unpacked.stdout);
    b.run(&["trust", PIPELINE]).ok();
    b.run(&["run", PIPELINE]).ok();
    b.write("study/tools/step.dat", "echo evil >> calls.log\n");
    let refused = b.run(&["run", PIPELINE]).code(4);
    assert!(
        refused.stderr.contains("`tools/step.dat` changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(calls(&b), ["step"]);
}
