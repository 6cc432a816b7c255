//! The part of Solr's query syntax that CKAN clients send in `q` and `fq` (what ckanapi,
//! ckanext-harvest and portals write): `field:value`, `field:"a phrase"`, `field:prefix*`,
//! `field:*`, ranges `field:[a TO b]` / `{a TO b}` with `*` for an open end, `-`/`NOT` and
//! `+`, `AND`, `OR`, `&&`, `||`, parentheses, `field:(a OR b)`, `*:*`, and bare words (the
//! default field: the dataset's text).
//!
//! One deliberate difference from Lucene's classic parser: `OR` binds tighter than the
//! implicit `AND` between clauses, so `metadata_modified:[… TO *] organization:a OR
//! organization:b` means what the harvester that writes it means (modified since, in either
//! organization), not Lucene's surprise (the organizations only scoring).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// `*:*` or an empty query.
    All,
    /// A bare word or phrase, lower-cased: matched against the dataset's text.
    Text(String),
    Field(String, Value),
    Not(Box<Query>),
    And(Vec<Query>),
    Or(Vec<Query>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Exact(String),
    /// `abc*`
    Prefix(String),
    /// `*`: the field has any value.
    Any,
    Range(Bound, Bound),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Open,
    Inclusive(String),
    Exclusive(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    /// `+`: required, which is what every clause is here.
    Plus,
    /// A word, possibly `field:value` glued, or a quoted phrase (`quoted`).
    Word {
        text: String,
        quoted: bool,
    },
    /// `[a TO b]` or `{a TO b}` (after a `field:`).
    Range(Bound, Bound),
}

fn tokenize(s: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            '&' if chars.get(i + 1) == Some(&'&') => {
                out.push(Token::And);
                i += 2;
            }
            '|' if chars.get(i + 1) == Some(&'|') => {
                out.push(Token::Or);
                i += 2;
            }
            '-' | '!' => {
                out.push(Token::Not);
                i += 1;
            }
            '+' => {
                out.push(Token::Plus);
                i += 1;
            }
            '"' => {
                let (text, next) = quoted(&chars, i)?;
                out.push(Token::Word { text, quoted: true });
                i = next;
            }
            '[' | '{' => {
                let end = (i + 1..chars.len())
                    .find(|j| chars[*j] == ']' || chars[*j] == '}')
                    .ok_or_else(|| ParseError(format!("unclosed range after {c}")))?;
                let inner: String = chars[i + 1..end].iter().collect();
                let parts: Vec<&str> = inner.split_whitespace().collect();
                let [from, to_kw, to] = parts[..] else {
                    return Err(ParseError(format!(
                        "a range is [from TO to], not {c}{inner}"
                    )));
                };
                if to_kw != "TO" {
                    return Err(ParseError(format!(
                        "a range is [from TO to], not {c}{inner}"
                    )));
                }
                let bound = |v: &str, inclusive: bool| {
                    let v = v.trim_matches('"');
                    if v == "*" {
                        Bound::Open
                    } else if inclusive {
                        Bound::Inclusive(v.to_owned())
                    } else {
                        Bound::Exclusive(v.to_owned())
                    }
                };
                out.push(Token::Range(
                    bound(from, c == '['),
                    bound(to, chars[end] == ']'),
                ));
                i = end + 1;
            }
            _ => {
                // A word runs to whitespace or a bracket; `\x` keeps x literally; a quote or a
                // range right after `field:` belongs to it.
                let mut text = String::new();
                while i < chars.len() {
                    let c = chars[i];
                    if c == '\\' && i + 1 < chars.len() {
                        text.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    if c.is_whitespace() || c == '(' || c == ')' {
                        break;
                    }
                    if text.ends_with(':') && (c == '"' || c == '[' || c == '{') {
                        break;
                    }
                    text.push(c);
                    i += 1;
                }
                out.push(match text.as_str() {
                    "AND" => Token::And,
                    "OR" => Token::Or,
                    "NOT" => Token::Not,
                    _ => Token::Word {
                        text,
                        quoted: false,
                    },
                });
            }
        }
    }
    Ok(out)
}

fn quoted(chars: &[char], start: usize) -> Result<(String, usize), ParseError> {
    let mut text = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                text.push(chars[i + 1]);
                i += 2;
            }
            '"' => return Ok((text, i + 1)),
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err(ParseError("unclosed quote".into()))
}

/// Parses a `q` or `fq`. An empty or blank text is [`Query::All`].
pub fn parse(s: &str) -> Result<Query, ParseError> {
    let tokens = tokenize(s)?;
    let mut p = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let q = p.conjunction(None)?;
    if p.at < p.tokens.len() {
        return Err(ParseError("unbalanced ')'".into()));
    }
    Ok(q)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    /// Clauses joined by AND (implicit or written), each a disjunction.
    fn conjunction(&mut self, field: Option<&str>) -> Result<Query, ParseError> {
        let mut clauses = Vec::new();
        loop {
            match self.peek() {
                None | Some(Token::Close) => break,
                Some(Token::And) => {
                    self.at += 1;
                    continue;
                }
                Some(Token::Or) => return Err(ParseError("OR with nothing before it".into())),
                _ => clauses.push(self.disjunction(field)?),
            }
        }
        Ok(match clauses.len() {
            0 => Query::All,
            1 => clauses.pop().expect("one"),
            _ => Query::And(clauses),
        })
    }

    fn disjunction(&mut self, field: Option<&str>) -> Result<Query, ParseError> {
        let mut alts = vec![self.unary(field)?];
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            alts.push(self.unary(field)?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().expect("one")
        } else {
            Query::Or(alts)
        })
    }

    fn unary(&mut self, field: Option<&str>) -> Result<Query, ParseError> {
        match self.peek() {
            Some(Token::Not) => {
                self.at += 1;
                Ok(Query::Not(Box::new(self.unary(field)?)))
            }
            Some(Token::Plus) => {
                self.at += 1;
                self.unary(field)
            }
            _ => self.primary(field),
        }
    }

    fn group(&mut self, field: Option<&str>) -> Result<Query, ParseError> {
        self.depth += 1;
        if self.depth > 32 {
            return Err(ParseError("too deeply nested".into()));
        }
        let q = self.conjunction(field)?;
        if self.peek() != Some(&Token::Close) {
            return Err(ParseError("unclosed '('".into()));
        }
        self.at += 1;
        self.depth -= 1;
        Ok(q)
    }

    fn primary(&mut self, field: Option<&str>) -> Result<Query, ParseError> {
        let Some(token) = self.tokens.get(self.at).cloned() else {
            return Err(ParseError(
                "the query ends where a term was expected".into(),
            ));
        };
        self.at += 1;
        match token {
            Token::Open => self.group(field),
            Token::Range(from, to) => match field {
                Some(f) => Ok(Query::Field(f.to_owned(), Value::Range(from, to))),
                None => Err(ParseError("a range needs a field: field:[a TO b]".into())),
            },
            Token::Word { text, quoted: true } => Ok(term(field, &text, true)),
            Token::Word {
                text,
                quoted: false,
            } => {
                if text == "*:*" {
                    return Ok(Query::All);
                }
                match text.split_once(':') {
                    Some((f, rest)) if field.is_none() && !f.is_empty() => {
                        if !rest.is_empty() {
                            return Ok(term(Some(f), rest, false));
                        }
                        // The value is the next token: a phrase, a range or a group.
                        match self.tokens.get(self.at).cloned() {
                            Some(Token::Word { text, quoted: true }) => {
                                self.at += 1;
                                Ok(term(Some(f), &text, true))
                            }
                            Some(Token::Range(from, to)) => {
                                self.at += 1;
                                Ok(Query::Field(f.to_owned(), Value::Range(from, to)))
                            }
                            Some(Token::Open) => {
                                self.at += 1;
                                self.group(Some(f))
                            }
                            _ => Err(ParseError(format!("{f}: has no value"))),
                        }
                    }
                    _ => Ok(term(field, &text, false)),
                }
            }
            Token::Close => Err(ParseError("unbalanced ')'".into())),
            Token::And | Token::Or => Err(ParseError("AND/OR with nothing before it".into())),
            Token::Not | Token::Plus => unreachable!("handled by unary"),
        }
    }
}

fn term(field: Option<&str>, text: &str, quoted: bool) -> Query {
    let value = if quoted {
        Value::Exact(text.to_owned())
    } else if text == "*" {
        Value::Any
    } else if let Some(p) = text.strip_suffix('*').filter(|p| !p.contains('*')) {
        Value::Prefix(p.to_owned())
    } else {
        Value::Exact(text.to_owned())
    };
    match (field, value) {
        (None, Value::Exact(t) | Value::Prefix(t)) => Query::Text(t.to_lowercase()),
        (None, _) => Query::All,
        (Some(f), v) => Query::Field(f.to_owned(), v),
    }
}

/// What a document holds under a field name.
pub enum Values<'a> {
    /// No such field: a clause on it matches nothing (as in Solr).
    Unknown,
    Texts(Vec<Cow<'a, str>>),
    /// A time (Unix milliseconds): ranges compare as times.
    Time(i64),
}

/// A document the queries run over.
pub trait Document {
    fn values(&self, field: &str) -> Values<'_>;
    /// Whether the free text contains the lower-cased term.
    fn has_text(&self, term_lc: &str) -> bool;
}

impl Query {
    pub fn matches(&self, d: &impl Document, now_ms: i64) -> bool {
        match self {
            Query::All => true,
            Query::Text(t) => d.has_text(t),
            Query::Not(q) => !q.matches(d, now_ms),
            Query::And(qs) => qs.iter().all(|q| q.matches(d, now_ms)),
            Query::Or(qs) => qs.iter().any(|q| q.matches(d, now_ms)),
            Query::Field(f, v) => match d.values(f) {
                Values::Unknown => false,
                Values::Texts(ts) => ts.iter().any(|t| text_matches(t, v)),
                Values::Time(ms) => time_matches(ms, v, now_ms),
            },
        }
    }

    /// The free-text terms (to rank by), lower-cased.
    pub fn text_terms(&self) -> Vec<String> {
        let mut out = Vec::new();
        fn walk(q: &Query, out: &mut Vec<String>) {
            match q {
                Query::Text(t) => out.push(t.clone()),
                Query::And(qs) | Query::Or(qs) => qs.iter().for_each(|q| walk(q, out)),
                _ => {}
            }
        }
        walk(self, &mut out);
        out
    }

    /// Every field a clause names, to refuse the unknown ones.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        fn walk<'q>(q: &'q Query, out: &mut Vec<&'q str>) {
            match q {
                Query::Field(f, _) => out.push(f),
                Query::Not(q) => walk(q, out),
                Query::And(qs) | Query::Or(qs) => qs.iter().for_each(|q| walk(q, out)),
                _ => {}
            }
        }
        walk(self, &mut out);
        out
    }
}

fn text_matches(t: &str, v: &Value) -> bool {
    match v {
        Value::Any => true,
        Value::Exact(x) => t == x || t.eq_ignore_ascii_case(x),
        Value::Prefix(p) => t.starts_with(p.as_str()),
        Value::Range(from, to) => {
            let cmp = |b: &str| match (t.parse::<f64>(), b.parse::<f64>()) {
                (Ok(a), Ok(b)) => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
                _ => t.cmp(b),
            };
            use std::cmp::Ordering::*;
            (match from {
                Bound::Open => true,
                Bound::Inclusive(b) => cmp(b) != Less,
                Bound::Exclusive(b) => cmp(b) == Greater,
            }) && (match to {
                Bound::Open => true,
                Bound::Inclusive(b) => cmp(b) != Greater,
                Bound::Exclusive(b) => cmp(b) == Less,
            })
        }
    }
}

fn time_matches(ms: i64, v: &Value, now_ms: i64) -> bool {
    let at = |b: &str| parse_time(b, now_ms);
    match v {
        Value::Any => true,
        Value::Exact(x) | Value::Prefix(x) => at(x) == Some(ms),
        Value::Range(from, to) => {
            (match from {
                Bound::Open => true,
                Bound::Inclusive(b) => at(b).is_some_and(|b| ms >= b),
                Bound::Exclusive(b) => at(b).is_some_and(|b| ms > b),
            }) && (match to {
                Bound::Open => true,
                Bound::Inclusive(b) => at(b).is_some_and(|b| ms <= b),
                Bound::Exclusive(b) => at(b).is_some_and(|b| ms < b),
            })
        }
    }
}

/// A time as Solr writes it (`2026-01-01T00:00:00Z`, with or without fractions or zone —
/// CKAN's own timestamps are UTC without one — or a date), or `NOW` with `-1DAY`-style
/// offsets (DAY, HOUR, MINUTE, MONTH as 30 days, YEAR as 365). Unix milliseconds.
pub fn parse_time(s: &str, now_ms: i64) -> Option<i64> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix("NOW") {
        let rest = rest.split('/').next().unwrap_or("");
        if rest.is_empty() {
            return Some(now_ms);
        }
        let (sign, rest) = match rest.as_bytes().first()? {
            b'-' => (-1, &rest[1..]),
            b'+' => (1, &rest[1..]),
            _ => return None,
        };
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let n: i64 = rest[..digits].parse().ok()?;
        let unit_ms: i64 = match rest[digits..].trim_end_matches('S') {
            "MINUTE" => 60_000,
            "HOUR" => 3_600_000,
            "DAY" => 86_400_000,
            "MONTH" => 30 * 86_400_000,
            "YEAR" => 365 * 86_400_000,
            _ => return None,
        };
        return Some(now_ms + sign * n * unit_ms);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    let naive = s.trim_end_matches('Z');
    if let Ok(t) = NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc().timestamp_millis());
    }
    NaiveDate::parse_from_str(naive, "%Y-%m-%d").ok().map(|d| {
        d.and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp_millis()
    })
}

/// A time as CKAN writes its own: UTC, ISO 8601 without a zone, microseconds.
pub fn ckan_time(ms: i64) -> String {
    use chrono::{Datelike, Timelike};
    // Written by hand: a format string is parsed anew on every call, and a search page
    // writes a few hundred of these.
    let t = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Doc {
        fields: HashMap<&'static str, Vec<&'static str>>,
        modified: i64,
        text: &'static str,
    }

    impl Document for Doc {
        fn values(&self, field: &str) -> Values<'_> {
            if field == "metadata_modified" {
                return Values::Time(self.modified);
            }
            match self.fields.get(field) {
                Some(v) => Values::Texts(v.iter().map(|s| Cow::Borrowed(*s)).collect()),
                None => Values::Unknown,
            }
        }
        fn has_text(&self, t: &str) -> bool {
            self.text.to_lowercase().contains(t)
        }
    }

    fn doc(org: &'static str, tags: Vec<&'static str>, modified: &str) -> Doc {
        Doc {
            fields: HashMap::from([
                ("organization", vec![org]),
                ("tags", tags),
                ("res_format", vec!["CSV", "JSON"]),
                ("num_resources", vec!["3"]),
            ]),
            modified: parse_time(modified, 0).unwrap(),
            text: "公交线路 Bus lines",
        }
    }

    #[test]
    fn a_harvesters_filter_means_modified_since_in_either_organization() {
        let q = parse("metadata_modified:[2026-01-01T00:00:00.000000Z TO *] organization:bus OR organization:water -tags:draft").unwrap();
        let now = 0;
        assert!(q.matches(&doc("bus", vec!["交通"], "2026-03-01T00:00:00"), now));
        assert!(q.matches(&doc("water", vec![], "2026-01-01T00:00:00Z"), now));
        assert!(!q.matches(&doc("power", vec![], "2026-03-01T00:00:00"), now));
        assert!(!q.matches(&doc("bus", vec![], "2025-12-31T23:59:59"), now));
        assert!(!q.matches(&doc("bus", vec!["draft"], "2026-03-01T00:00:00"), now));
    }

    #[test]
    fn phrases_prefixes_groups_ranges_and_bare_words() {
        let d = doc("bus", vec!["公共 交通", "bus"], "2026-03-01T00:00:00");
        let yes = [
            "tags:\"公共 交通\"",
            "tags:(bus OR rail)",
            "organization:b*",
            "organization:*",
            "*:*",
            "",
            "公交",
            "BUS",
            "+organization:bus AND NOT tags:rail",
            "res_format:csv",
            "num_resources:[2 TO 10]",
            "metadata_modified:{2026-02-28 TO NOW}",
            "(organization:x || organization:bus) && res_format:JSON",
            "organization:bus OR",
        ];
        for q in yes {
            let parsed = parse(q);
            if q == "organization:bus OR" {
                assert!(parsed.is_err(), "{q}");
                continue;
            }
            assert!(parsed.unwrap().matches(&d, 1_900_000_000_000), "{q}");
        }
        let no = [
            "tags:交通",
            "nosuchfield:x",
            "-organization:bus",
            "num_resources:{3 TO *]",
            "rail",
        ];
        for q in no {
            assert!(!parse(q).unwrap().matches(&d, 0), "{q}");
        }
    }

    #[test]
    fn broken_queries_say_what_is_wrong() {
        for q in ["(a", "a)", "x:[1 TO", "x:[1 2]", "\"open", "x:", "[1 TO 2]"] {
            assert!(parse(q).is_err(), "{q}");
        }
    }

    #[test]
    fn times_read_as_solr_and_ckan_write_them() {
        let t = parse_time("2026-01-01T00:00:00Z", 0).unwrap();
        assert_eq!(parse_time("2026-01-01T00:00:00.000000", 0), Some(t));
        assert_eq!(parse_time("2026-01-01", 0), Some(t));
        assert_eq!(parse_time("2026-01-01T08:00:00+08:00", 0), Some(t));
        assert_eq!(parse_time("NOW-1DAY", t + 86_400_000), Some(t));
        assert_eq!(ckan_time(t + 1), "2026-01-01T00:00:00.001000");
        assert_eq!(parse_time("yesterday", 0), None);
    }
}
