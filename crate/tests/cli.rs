//! The `lindungi scan` contract: JSON Lines in, one JSON line out per input line, in order.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], input: &str) -> (Vec<Value>, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lindungi"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run lindungi");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 output");
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    (lines, output.status.code().unwrap_or(-1))
}

#[test]
fn scans_lines_in_order_with_byte_offsets() {
    let input = concat!(
        r#"{"id": 7, "text": "🙂 kirim pap tt dong", "direction": "incoming"}"#,
        "\n",
        r#"{"id": "b", "text": "see you at practice tomorrow"}"#,
        "\n",
    );
    let (lines, code) = run(&["scan"], input);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], 7);
    assert_eq!(lines[0]["level"], "high");
    let signal = &lines[0]["signals"][0];
    assert_eq!(signal["category"], "sexual");
    let text = "🙂 kirim pap tt dong";
    let (start, end) = (
        signal["start"].as_u64().unwrap_or(0),
        signal["end"].as_u64().unwrap_or(0),
    );
    assert!(text[start as usize..end as usize].contains("pap tt"));
    assert_eq!(lines[1]["id"], "b");
    assert_eq!(lines[1]["level"], "none");
    assert!(lines[1].get("conversation").is_none());
}

#[test]
fn bad_lines_become_error_lines_and_exit_2() {
    let input = "{\"text\": \"hi\"}\nnot json\n{\"id\": 1}\n{\"text\": \"ok\", \"direction\": \"sideways\"}\n{\"text\": \"bye\"}\n";
    let (lines, code) = run(&["scan", "-"], input);
    assert_eq!(code, 2);
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[1]["line"], 2);
    assert!(lines[1]["error"].as_str().unwrap_or("").contains("JSON"));
    assert_eq!(lines[2]["line"], 3);
    assert!(lines[2]["error"].as_str().unwrap_or("").contains("text"));
    assert_eq!(lines[3]["line"], 4);
    assert_eq!(lines[4]["level"], "none");
}

#[test]
fn lines_sharing_a_conversation_build_one_pattern() {
    let messages = [
        "kamu dewasa banget ya buat umur kamu",
        "umur kamu berapa? kelas berapa?",
        "mama kamu lagi di rumah gak?",
        "pindah ke wa aja yuk",
    ];
    let mut input = String::new();
    for text in messages {
        let line = serde_json::json!({"text": text, "direction": "incoming",
            "conversation": "c1", "author": "om"});
        input.push_str(&format!("{line}\n"));
    }
    input.push_str("{\"text\": \"pindah ke wa aja yuk\", \"conversation\": \"c2\", \"direction\": \"incoming\"}\n");
    let (lines, code) = run(&["scan"], &input);
    assert_eq!(code, 0);
    let conversation = &lines[3]["conversation"];
    assert!(
        matches!(conversation["level"].as_str(), Some("medium" | "high")),
        "{conversation}"
    );
    assert!(matches!(
        lines[4]["conversation"]["level"].as_str(),
        Some("none" | "low")
    ));
}

#[test]
fn languages_option_limits_the_rules() {
    let input = "{\"text\": \"dasar goblok lo\", \"direction\": \"incoming\"}\n";
    let (all, _) = run(&["scan"], input);
    // The learned scorer is not per language (it reads both): the rules alone here.
    let (english, _) = run(&["scan", "--languages", "en", "--no-model"], input);
    assert_ne!(all[0]["level"], "none");
    assert_eq!(english[0]["level"], "none");
    let status = Command::new(env!("CARGO_BIN_EXE_lindungi"))
        .args(["scan", "--languages", "xx"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run");
    assert_eq!(status.code(), Some(1));
}

#[test]
fn help_documents_the_format() {
    let output = Command::new(env!("CARGO_BIN_EXE_lindungi"))
        .args(["scan", "--help"])
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&output.stdout);
    for word in [
        "JSON Lines",
        "conversation",
        "direction",
        "byte offsets",
        "exits with status 2",
    ] {
        assert!(help.contains(word), "help lacks {word:?}");
    }
}

#[test]
fn report_json_matches_serde() {
    use lindungi::{Context, Conversation, Detector, Direction, Report};
    let detector = Detector::default();
    let mut chat = Conversation::new();
    for text in [
        "",
        "see you tomorrow",
        "you are so stupid 🔪 kys",
        "jangan bilang ortu ya, ini rahasia kita. kirim pap tt dong",
        "my number is 0812 3456 7890",
    ] {
        let context = Context::new(Direction::Incoming).with_author("x");
        let single = Report::from(detector.scan(text, &context));
        let in_chat = Report::from(chat.scan(&detector, text, &context));
        for report in [single, in_chat] {
            let ours: serde_json::Value =
                serde_json::from_str(&report.to_json()).expect("valid JSON");
            assert_eq!(
                ours,
                serde_json::to_value(&report).expect("serde"),
                "{text:?}"
            );
        }
    }
}
