//! Reading signal lists from files: one value per line, CSV (`value,quality,label,label...`),
//! or the python-threatexchange / HMA signal file (`signal_type value` or `signal_type,value`
//! per line). Pure: text in, validated signals or line-numbered issues out.

use std::collections::HashMap;

use crate::bank::{Label, SignalType, canonical_value, parse_labels, value_key};

/// The file formats understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    /// Decide from the first data line.
    Auto,
    /// One value per line.
    Lines,
    /// `value,quality,label...` with an optional header row.
    Csv,
    /// `signal_type value` or `signal_type,value` per line (python-threatexchange / HMA files).
    Hma,
}

impl ImportFormat {
    /// Parses `auto`, `lines`, `csv` or `hma`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(Self::Auto),
            "lines" => Ok(Self::Lines),
            "csv" => Ok(Self::Csv),
            "hma" | "threatexchange" => Ok(Self::Hma),
            _ => Err("must be auto, lines, csv or hma".into()),
        }
    }
}

/// The largest number of data lines one import may hold.
pub const MAX_IMPORT_ROWS: usize = 20_000_000;
/// The longest line accepted (a vPDQ signal of many frames is long).
pub const MAX_LINE_CHARS: usize = 1_000_000;

/// One valid, canonical signal read from the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedSignal {
    /// Canonical value.
    pub value: String,
    /// Uniqueness key in a bank.
    pub value_key: String,
    /// PDQ quality, when given.
    pub quality: Option<u32>,
    /// Labels, sorted.
    pub labels: Vec<Label>,
    /// Where it came from, when the input says.
    pub source: Option<String>,
    /// Its id at the source, when the input says.
    pub external_id: Option<String>,
    /// First line it appeared on.
    pub line: usize,
}

/// A line that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIssue {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong (never the line's content: it may be hazardous).
    pub message: String,
}

/// The result of reading a file: the valid signals, duplicates merged, and every bad line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedImport {
    /// Valid signals, in file order of first appearance.
    pub signals: Vec<ParsedSignal>,
    /// Lines that repeated an earlier value (merged into it: labels united, best quality kept).
    pub duplicates: usize,
    /// Bad lines.
    pub issues: Vec<LineIssue>,
}

fn looks_like_header(first_field: &str) -> bool {
    matches!(
        first_field.trim().to_ascii_lowercase().as_str(),
        "pdq" | "hash" | "value" | "signal" | "md5" | "sha256" | "url" | "signal_type"
    )
}

/// Reads `text` as signals of `signal_type`. Each line is checked whole; nothing is stopped by a
/// bad line, so the caller can report every issue at once.
pub fn parse_signals(text: &str, signal_type: SignalType, format: ImportFormat) -> ParsedImport {
    let mut result = ParsedImport::default();
    if signal_type == SignalType::Vpdq {
        // A vPDQ file is one video: the reference's `frame,quality,hex,seconds` lines, as
        // `vigie hash --format vpdq` prints them.
        match canonical_value(signal_type, text) {
            Ok(value) => result.signals.push(ParsedSignal {
                value_key: value_key(signal_type, &value),
                value,
                quality: None,
                labels: Vec::new(),
                source: None,
                external_id: None,
                line: 1,
            }),
            Err(message) => result.issues.push(LineIssue { line: 1, message }),
        }
        return result;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut format = format;
    let mut data_lines = 0_usize;
    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.chars().count() > MAX_LINE_CHARS {
            result
                .issues
                .push(LineIssue { line: line_number, message: format!("longer than {MAX_LINE_CHARS} characters") });
            continue;
        }
        data_lines += 1;
        if data_lines > MAX_IMPORT_ROWS {
            result.issues.push(LineIssue {
                line: line_number,
                message: format!("more than {MAX_IMPORT_ROWS} rows: split the file"),
            });
            break;
        }
        if format == ImportFormat::Auto {
            let mut fields = line.split([',', ' ', '\t']).map(str::trim).filter(|field| !field.is_empty());
            let first = fields.next().unwrap_or_default();
            let second = fields.next().unwrap_or_default();
            if data_lines == 1 && looks_like_header(first) && !looks_like_value(second) {
                // A header row: the format shows on the next line.
                data_lines -= 1;
                continue;
            }
            format = if SignalType::parse(first).is_ok() && !second.is_empty() {
                ImportFormat::Hma
            } else if line.contains(',') {
                ImportFormat::Csv
            } else {
                ImportFormat::Lines
            };
        }
        let parsed = match format {
            ImportFormat::Lines | ImportFormat::Auto => read_value(signal_type, line, None, &[]),
            ImportFormat::Csv => {
                let fields: Vec<&str> = line.split(',').map(str::trim).collect();
                if data_lines == 1 && looks_like_header(fields[0]) {
                    data_lines -= 1;
                    continue;
                }
                let quality = match fields.get(1).filter(|field| !field.is_empty()) {
                    None => Ok(None),
                    Some(field) => field
                        .parse::<u32>()
                        .ok()
                        .filter(|quality| *quality <= 100)
                        .map(Some)
                        .ok_or_else(|| "quality (column 2) must be a whole number from 0 to 100".to_owned()),
                };
                quality.and_then(|quality| {
                    read_value(signal_type, fields[0], quality, fields.get(2..).unwrap_or_default())
                })
            }
            ImportFormat::Hma => {
                let (kind, rest) = line.split_once([',', ' ', '\t']).unwrap_or((line, ""));
                match SignalType::parse(kind) {
                    Ok(kind) if kind == signal_type => read_value(signal_type, rest.trim(), None, &[]),
                    Ok(kind) => Err(format!("signal type {kind} does not fit this {signal_type} bank")),
                    Err(_) if data_lines == 1 && looks_like_header(kind) => {
                        data_lines -= 1;
                        continue;
                    }
                    Err(message) => Err(format!("signal type {message}")),
                }
            }
        };
        match parsed {
            Ok((value, quality, labels)) => {
                let key = value_key(signal_type, &value);
                match seen.get(&key) {
                    Some(&position) => {
                        result.duplicates += 1;
                        let existing = &mut result.signals[position];
                        existing.quality = existing.quality.max(quality);
                        existing.labels.extend(labels);
                        existing.labels.sort();
                        existing.labels.dedup();
                    }
                    None => {
                        seen.insert(key.clone(), result.signals.len());
                        result.signals.push(ParsedSignal {
                            value,
                            value_key: key,
                            quality,
                            labels,
                            source: None,
                            external_id: None,
                            line: line_number,
                        });
                    }
                }
            }
            Err(message) => result.issues.push(LineIssue { line: line_number, message }),
        }
    }
    result
}

/// A hash, a vPDQ frame or a URL, as opposed to a column name.
fn looks_like_value(text: &str) -> bool {
    (text.len() >= 32 && text.bytes().all(|b| b.is_ascii_hexdigit())) || text.contains("://") || text.contains(':')
}

type Read = (String, Option<u32>, Vec<Label>);

fn read_value(signal_type: SignalType, value: &str, quality: Option<u32>, labels: &[&str]) -> Result<Read, String> {
    let value = canonical_value(signal_type, value)?;
    let labels = parse_labels(labels)?;
    Ok((value, quality, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(digit: char) -> String {
        digit.to_string().repeat(64)
    }

    #[test]
    fn lines_with_bad_rows_and_duplicates() {
        let text =
            format!("{}\n\n# comment\n{}\nnot-a-hash\n{}\n{}\n", hash('a'), hash('B'), hash('b'), &hash('c')[..60]);
        let parsed = parse_signals(&text, SignalType::Pdq, ImportFormat::Auto);
        assert_eq!(parsed.signals.len(), 2);
        assert_eq!(parsed.duplicates, 1);
        let lines: Vec<usize> = parsed.issues.iter().map(|issue| issue.line).collect();
        assert_eq!(lines, [5, 7]);
        assert!(parsed.issues[1].message.contains("64 hex digits"));
        assert!(!parsed.issues[0].message.contains("not-a-hash"), "issues never echo content");
    }

    #[test]
    fn csv_with_header_quality_and_labels() {
        let text = format!(
            "pdq,quality,labels\n{},90,content:attack_footage,entity:group-a\n{},80,behaviour:recruitment\n{},101\n{},70,content:cats\n",
            hash('a'),
            hash('a'),
            hash('b'),
            hash('c')
        );
        let parsed = parse_signals(&text, SignalType::Pdq, ImportFormat::Auto);
        assert_eq!(parsed.signals.len(), 1);
        let merged = &parsed.signals[0];
        assert_eq!(merged.quality, Some(90));
        let labels: Vec<&str> = merged.labels.iter().map(Label::as_str).collect();
        assert_eq!(labels, ["behaviour:recruitment", "content:attack_footage", "entity:group-a"]);
        let lines: Vec<usize> = parsed.issues.iter().map(|issue| issue.line).collect();
        assert_eq!(lines, [4, 5]);
    }

    #[test]
    fn hma_signal_files() {
        let text = format!("pdq {}\npdq,{}\nmd5 {}\n", hash('a'), hash('b'), "d".repeat(32));
        let parsed = parse_signals(&text, SignalType::Pdq, ImportFormat::Auto);
        assert_eq!(parsed.signals.len(), 2);
        assert_eq!(parsed.issues.len(), 1);
        assert!(parsed.issues[0].message.contains("does not fit"));
    }

    #[test]
    fn urls_are_normalised_and_merged() {
        let text = "https://Example.org/a#x\nhttps://example.org:443/a\nftp://nope\n";
        let parsed = parse_signals(text, SignalType::Url, ImportFormat::Lines);
        assert_eq!(parsed.signals.len(), 1);
        assert_eq!(parsed.signals[0].value, "https://example.org/a");
        assert_eq!(parsed.duplicates, 1);
        assert_eq!(parsed.issues[0].line, 3);
    }
}
