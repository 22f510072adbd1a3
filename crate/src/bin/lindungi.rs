//! `lindungi`: the detector on the command line, for researchers, moderators and the evaluation.

use lindungi::{Context, Conversation, Detector, Direction, Report};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

const HELP: &str = "\
lindungi — find grooming, bullying, sexual solicitation, self-harm talk and shared personal
details in chat messages (Indonesian and English), on this machine.

USAGE:
    lindungi scan [--languages en,id] [--no-model] [FILE]
    lindungi --help | --version

scan reads JSON Lines from FILE, or from standard input when FILE is absent or '-'. Each line:
    {\"text\": \"...\", \"id\": any?, \"direction\": \"incoming\"|\"outgoing\"?,
     \"conversation\": \"...\"?, \"author\": \"...\"?, \"time\": <ms since 1970>?}
Lines that share \"conversation\" are one conversation, read in input order.

It writes one JSON line per input line, in order:
    {\"id\": <echoed>, \"level\": \"none|low|medium|high\",
     \"categories\": [{\"category\": \"grooming\", \"level\": \"medium\", \"score\": 0.71}],
     \"signals\": [{\"category\": \"...\", \"cue\": \"...\", \"start\": 0, \"end\": 12}],
     \"conversation\": {\"level\": \"...\", \"categories\": [...]}}
\"conversation\" is present when the line named one; start/end are byte offsets into text.
A line that is not valid JSON or has no \"text\" gives {\"line\": N, \"error\": \"...\"} instead;
the scan goes on and exits with status 2 at the end.

OPTIONS:
    --languages L   comma-separated language codes to use (default: all compiled in)
    --no-model      the rules alone, without the learned scorer's `<category>.model` cues
";

#[derive(Serialize)]
struct Line<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a Value>,
    #[serde(flatten)]
    report: Report,
}

#[derive(Serialize)]
struct LineError {
    line: usize,
    error: String,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            println!("lindungi {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("scan") => match scan_command(&args[1..]) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(2),
            Err(message) => {
                eprintln!("lindungi: {message}");
                ExitCode::from(1)
            }
        },
        Some(other) => {
            eprintln!("lindungi: unknown command {other:?}; see lindungi --help");
            ExitCode::from(1)
        }
    }
}

/// Runs `scan`; `Ok(false)` when some lines were errors.
fn scan_command(args: &[String]) -> Result<bool, String> {
    let mut builder = Detector::builder();
    let mut file = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{HELP}");
                return Ok(true);
            }
            "--languages" => {
                let list = rest.next().ok_or("--languages needs a value")?;
                builder = builder.languages(list.split(',').map(str::trim));
            }
            "--no-model" => builder = builder.model(false),
            path if file.is_none() => file = Some(path.to_string()),
            extra => return Err(format!("unexpected argument {extra:?}")),
        }
    }
    let detector = builder.build().map_err(|e| e.to_string())?;
    let input: Box<dyn BufRead> = match file.as_deref() {
        None | Some("-") => Box::new(BufReader::new(io::stdin().lock())),
        Some(path) => Box::new(BufReader::new(
            File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?,
        )),
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match scan_lines(&detector, input, &mut out) {
        Ok(clean) => {
            out.flush().map_err(|e| e.to_string())?;
            Ok(clean)
        }
        // A closed pipe (`lindungi scan | head`) is a normal end.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(true),
        Err(e) => Err(e.to_string()),
    }
}

fn scan_lines(
    detector: &Detector,
    input: Box<dyn BufRead>,
    out: &mut impl Write,
) -> io::Result<bool> {
    let mut conversations: HashMap<String, Conversation> = HashMap::new();
    let mut clean = true;
    let mut reader = input;
    let mut bytes = Vec::new();
    let mut number = 0;
    loop {
        bytes.clear();
        if reader.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        number += 1;
        let result = match std::str::from_utf8(&bytes) {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => scan_line(detector, &mut conversations, line),
            Err(_) => Err("line is not valid UTF-8".to_string()),
        };
        match result {
            Ok((id, report)) => write_json(
                out,
                &Line {
                    id: id.as_ref(),
                    report,
                },
            )?,
            Err(error) => {
                clean = false;
                write_json(
                    out,
                    &LineError {
                        line: number,
                        error,
                    },
                )?;
            }
        }
    }
    Ok(clean)
}

/// Scans one input line: its id and report, or the message for an error line.
fn scan_line(
    detector: &Detector,
    conversations: &mut HashMap<String, Conversation>,
    line: &str,
) -> Result<(Option<Value>, Report), String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let text = value
        .get("text")
        .and_then(Value::as_str)
        .ok_or("missing \"text\" (a string)")?;
    let direction = match value.get("direction").map(|d| d.as_str()) {
        None | Some(Some("unknown")) => Direction::Unknown,
        Some(Some("incoming")) => Direction::Incoming,
        Some(Some("outgoing")) => Direction::Outgoing,
        _ => return Err("\"direction\" must be \"incoming\", \"outgoing\" or \"unknown\"".into()),
    };
    let optional_str = |key: &str| -> Result<Option<&str>, String> {
        match value.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("\"{key}\" must be a string")),
        }
    };
    let conversation = optional_str("conversation")?;
    let author = optional_str("author")?;
    let time_ms = match value.get("time") {
        None | Some(Value::Null) => None,
        Some(t) => Some(
            t.as_u64()
                .ok_or("\"time\" must be milliseconds since 1970")?,
        ),
    };
    let context = Context {
        direction,
        author: author.map(str::to_string),
        time_ms,
    };
    let report: Report = match conversation {
        Some(name) => conversations
            .entry(name.to_string())
            .or_default()
            .scan(detector, text, &context)
            .into(),
        None => detector.scan(text, &context).into(),
    };
    Ok((value.get("id").cloned(), report))
}

fn write_json(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")
}
