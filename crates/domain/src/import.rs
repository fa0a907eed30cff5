//! Reading signal lists from files: one value per line, CSV, or the python-threatexchange / HMA
//! signal file (`signal_type value` or `signal_type,value` per line). Pure: text in, validated
//! signals or line-numbered issues out.
//!
//! CSV is what `vigie bank export --format csv` writes: a header naming the columns (`value,
//! quality,labels,source,external_id,enabled`, any order, any subset holding `value`), cells
//! quoted as RFC 4180 says when they hold a comma or a quote, and the labels of a signal in one
//! cell separated by spaces ([`LIST_SEPARATOR`]). Older files are still read: without a header,
//! or with one ending in `labels`, cells after the labels column are labels too
//! (`value,quality,label,label...`).

use std::collections::HashMap;

use crate::bank::{Label, MAX_ORIGIN_CHARS, SignalType, canonical_value, parse_labels, value_key};
use crate::validate::optional_text;

/// Separates the items of a list inside one CSV cell (a signal's labels; a submission's URLs,
/// grounds, labels and signals), everywhere Vigie reads or writes CSV. A space, because no item
/// of those lists can hold one (labels are `namespace:slug`, a URL's spaces are `%20`), while
/// `|`, `;` and `,` may appear in URLs.
pub const LIST_SEPARATOR: char = ' ';

/// The columns of a signal CSV, in the order `vigie bank export` writes them.
pub const CSV_COLUMNS: [&str; 6] = ["value", "quality", "labels", "source", "external_id", "enabled"];

/// The items of a list cell: separated by spaces (the convention), or by `|` (how submission
/// files were written before), empty items dropped.
pub fn split_list_cell(cell: &str) -> Vec<&str> {
    cell.split(|c: char| c.is_whitespace() || c == '|').filter(|item| !item.is_empty()).collect()
}

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
    /// False for a signal a backup records as disabled: stored, matching nothing.
    pub enabled: bool,
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
        "pdq"
            | "hash"
            | "value"
            | "signal"
            | "md5"
            | "sha256"
            | "url"
            | "signal_type"
            | "vpdq"
            | "quality"
            | "label"
            | "labels"
            | "source"
            | "external_id"
            | "enabled"
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
                enabled: true,
                line: 1,
            }),
            Err(message) => result.issues.push(LineIssue { line: 1, message }),
        }
        return result;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut format = format;
    let mut columns = CsvColumns::POSITIONAL;
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
                // A header row. One naming CSV columns says where each cell goes; otherwise the
                // format shows on the next line.
                data_lines -= 1;
                if line.contains(',') && !first.eq_ignore_ascii_case("signal_type") {
                    format = ImportFormat::Csv;
                    match csv_header(line) {
                        Ok(found) => columns = found,
                        Err(message) => result.issues.push(LineIssue { line: line_number, message }),
                    }
                }
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
            ImportFormat::Lines | ImportFormat::Auto => read_value(signal_type, line, None, &[]).map(Read::plain),
            ImportFormat::Csv => {
                let first = line.split(',').next().unwrap_or_default().trim().trim_matches('"');
                if data_lines == 1 && looks_like_header(first) {
                    data_lines -= 1;
                    match csv_header(line) {
                        Ok(found) => columns = found,
                        Err(message) => result.issues.push(LineIssue { line: line_number, message }),
                    }
                    continue;
                }
                read_csv_row(signal_type, line, &columns)
            }
            ImportFormat::Hma => {
                let (kind, rest) = line.split_once([',', ' ', '\t']).unwrap_or((line, ""));
                match SignalType::parse(kind) {
                    Ok(kind) if kind == signal_type => read_value(signal_type, rest.trim(), None, &[]).map(Read::plain),
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
            Ok(Read { value, quality, labels, source, external_id, enabled }) => {
                let key = value_key(signal_type, &value);
                match seen.get(&key) {
                    Some(&position) => {
                        result.duplicates += 1;
                        let existing = &mut result.signals[position];
                        existing.quality = existing.quality.max(quality);
                        existing.labels.extend(labels);
                        existing.labels.sort();
                        existing.labels.dedup();
                        existing.source = existing.source.take().or(source);
                        existing.external_id = existing.external_id.take().or(external_id);
                        // Disabled only if every line of it says so.
                        existing.enabled |= enabled;
                    }
                    None => {
                        seen.insert(key.clone(), result.signals.len());
                        result.signals.push(ParsedSignal {
                            value,
                            value_key: key,
                            quality,
                            labels,
                            source,
                            external_id,
                            enabled,
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

/// One line's signal, before duplicates are merged.
struct Read {
    value: String,
    quality: Option<u32>,
    labels: Vec<Label>,
    source: Option<String>,
    external_id: Option<String>,
    enabled: bool,
}

impl Read {
    /// A value with a quality and labels, and nothing else said.
    fn plain((value, quality, labels): (String, Option<u32>, Vec<Label>)) -> Self {
        Self { value, quality, labels, source: None, external_id: None, enabled: true }
    }
}

fn read_value(
    signal_type: SignalType,
    value: &str,
    quality: Option<u32>,
    labels: &[&str],
) -> Result<(String, Option<u32>, Vec<Label>), String> {
    let value = canonical_value(signal_type, value)?;
    let labels = parse_labels(labels)?;
    Ok((value, quality, labels))
}

/// Where each cell of a CSV row goes (0-based positions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CsvColumns {
    value: usize,
    quality: Option<usize>,
    labels: Option<usize>,
    source: Option<usize>,
    external_id: Option<usize>,
    enabled: Option<usize>,
    /// Cells past the last named column are labels too (the older, ragged form).
    labels_trail: bool,
}

impl CsvColumns {
    /// A file without a header: `value,quality,label,label...`.
    const POSITIONAL: Self = Self {
        value: 0,
        quality: Some(1),
        labels: Some(2),
        source: None,
        external_id: None,
        enabled: None,
        labels_trail: true,
    };
}

/// Reads a header row: which column is which. Every column must be known, `value` present.
fn csv_header(line: &str) -> Result<CsvColumns, String> {
    let names = split_csv_line(line)?;
    let mut positions: [Option<usize>; 6] = [None; 6];
    for (index, name) in names.iter().enumerate() {
        let name = name.to_ascii_lowercase();
        let column = match name.as_str() {
            "value" | "pdq" | "hash" | "signal" | "md5" | "sha256" | "url" | "vpdq" => 0,
            "label" => 2,
            other => CSV_COLUMNS.iter().position(|known| *known == other).ok_or_else(|| {
                format!("column {} of the header is not one of: {}", index + 1, CSV_COLUMNS.join(", "))
            })?,
        };
        if positions[column].replace(index).is_some() {
            return Err(format!("the header names the column {} twice", CSV_COLUMNS[column]));
        }
    }
    let [value, quality, labels, source, external_id, enabled] = positions;
    let value = value.ok_or("the header has no value column")?;
    Ok(CsvColumns {
        value,
        quality,
        labels,
        source,
        external_id,
        enabled,
        labels_trail: labels.is_some_and(|labels| labels + 1 == names.len()),
    })
}

/// One CSV row read through `columns`.
fn read_csv_row(signal_type: SignalType, line: &str, columns: &CsvColumns) -> Result<Read, String> {
    let cells = split_csv_line(line)?;
    let cell = |position: Option<usize>| position.and_then(|position| cells.get(position)).map(String::as_str);
    let quality = match cell(columns.quality).filter(|cell| !cell.is_empty()) {
        None => None,
        Some(text) => Some(
            text.parse::<u32>()
                .ok()
                .filter(|quality| *quality <= 100)
                .ok_or_else(|| "quality must be a whole number from 0 to 100".to_owned())?,
        ),
    };
    let mut labels: Vec<&str> = cell(columns.labels).map(split_list_cell).unwrap_or_default();
    if let (true, Some(position)) = (columns.labels_trail, columns.labels) {
        for extra in cells.iter().skip(position + 1) {
            labels.extend(split_list_cell(extra));
        }
    }
    let source =
        optional_text(cell(columns.source), MAX_ORIGIN_CHARS).map_err(|message| format!("source {message}"))?;
    let external_id = optional_text(cell(columns.external_id), MAX_ORIGIN_CHARS)
        .map_err(|message| format!("external_id {message}"))?;
    let enabled = match cell(columns.enabled).unwrap_or_default() {
        "" | "true" => true,
        "false" => false,
        _ => return Err("enabled must be true or false".into()),
    };
    let (value, quality, labels) =
        read_value(signal_type, cell(Some(columns.value)).unwrap_or_default(), quality, &labels)?;
    Ok(Read { value, quality, labels, source, external_id, enabled })
}

/// Splits one CSV line into cells (RFC 4180 on one line: a cell in double quotes may hold
/// commas and doubled quotes); unquoted cells are trimmed.
fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut cells = Vec::new();
    let mut rest = line;
    loop {
        let Some(quoted) = rest.trim_start_matches([' ', '\t']).strip_prefix('"') else {
            match rest.split_once(',') {
                Some((cell, next)) => {
                    cells.push(cell.trim().to_owned());
                    rest = next;
                    continue;
                }
                None => {
                    cells.push(rest.trim().to_owned());
                    return Ok(cells);
                }
            }
        };
        let mut cell = String::new();
        let mut characters = quoted.char_indices();
        let after = loop {
            match characters.next() {
                Some((index, '"')) if quoted[index + 1..].starts_with('"') => {
                    cell.push('"');
                    characters.next();
                }
                Some((index, '"')) => break &quoted[index + 1..],
                Some((_, character)) => cell.push(character),
                None => return Err("a quoted cell is not closed".into()),
            }
        };
        cells.push(cell);
        let after = after.trim_start_matches([' ', '\t']);
        match after.strip_prefix(',') {
            Some(next) => rest = next,
            None if after.is_empty() => return Ok(cells),
            None => return Err("a quoted cell must be followed by a comma or the end of the line".into()),
        }
    }
}

/// Quotes a cell for CSV when it needs it (a comma, a quote, or spaces at either end).
pub fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"']) || text.starts_with(' ') || text.ends_with(' ') {
        std::borrow::Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
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
    fn csv_cells_split_and_quote() {
        let split = |line: &str| split_csv_line(line).unwrap();
        assert_eq!(split("a, b ,c"), ["a", "b", "c"]);
        assert_eq!(split("a,,"), ["a", "", ""]);
        assert_eq!(split(r#"a,"b, ""c""",d"#), ["a", r#"b, "c""#, "d"]);
        assert_eq!(split(r#" "x" , y"#), ["x", "y"]);
        assert!(split_csv_line(r#"a,"b"#).is_err());
        assert!(split_csv_line(r#"a,"b"c"#).is_err());
        for text in ["plain", "with, comma", r#"a "quote""#, " padded "] {
            assert_eq!(split(&format!("{},z", csv_cell(text))), [text, "z"]);
        }
    }

    #[test]
    fn csv_with_named_columns_as_exported() {
        let text = format!(
            "value,quality,labels,source,external_id,enabled\n\
             {},90,content:attack_footage entity:group-a,\"GIFCT, 2026\",x-1,false\n\
             {},,,,,true\n\
             {},80,behaviour:recruitment,,,\n",
            hash('a'),
            hash('b'),
            hash('c')
        );
        let parsed = parse_signals(&text, SignalType::Pdq, ImportFormat::Auto);
        assert_eq!(parsed.issues, []);
        let first = &parsed.signals[0];
        let labels: Vec<&str> = first.labels.iter().map(Label::as_str).collect();
        assert_eq!(labels, ["content:attack_footage", "entity:group-a"]);
        assert_eq!(
            (first.quality, first.source.as_deref(), first.external_id.as_deref()),
            (Some(90), Some("GIFCT, 2026"), Some("x-1"))
        );
        assert!(!first.enabled);
        assert!(parsed.signals[1].enabled && parsed.signals[1].labels.is_empty() && parsed.signals[1].source.is_none());
        assert!(parsed.signals[2].enabled);
        // Columns in another order, a subset; bad cells named.
        let text = format!("enabled,value\nfalse,{}\nmaybe,{}\n", hash('a'), hash('b'));
        let parsed = parse_signals(&text, SignalType::Pdq, ImportFormat::Csv);
        assert!(!parsed.signals[0].enabled);
        assert_eq!(parsed.issues, [LineIssue { line: 3, message: "enabled must be true or false".into() }]);
        let parsed = parse_signals(&format!("value,colour\n{}\n", hash('a')), SignalType::Pdq, ImportFormat::Auto);
        assert_eq!(parsed.issues[0].line, 1);
        assert!(parsed.issues[0].message.contains("column 2 of the header"), "{:?}", parsed.issues);
    }

    #[test]
    fn older_ragged_exports_are_still_read() {
        // `vigie bank export --format csv` before issue 13: one column per label.
        let text = format!("value,quality,labels\n{},90,content:attack_footage,entity:group-a\n", hash('a'));
        let parsed = parse_signals(&text, SignalType::Pdq, ImportFormat::Auto);
        let labels: Vec<&str> = parsed.signals[0].labels.iter().map(Label::as_str).collect();
        assert_eq!(labels, ["content:attack_footage", "entity:group-a"]);
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
