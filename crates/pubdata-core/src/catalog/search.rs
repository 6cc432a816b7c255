//! Catalog search terms for Chinese without a dictionary: each run of Han characters is
//! indexed as its overlapping character pairs (bigrams) and its single characters; Latin
//! letters and digits as lower-case words. The database's own full-text index (SQLite FTS5,
//! PostgreSQL tsvector with the `simple` configuration) then stores these terms.
//!
//! A query of two or more Han characters becomes the *phrase* of its bigrams, which matches
//! exactly where the query is a substring of the text: 人口 finds 常住人口信息, 人口信息
//! finds it through the phrase 人口 口信 信息. One Han character matches its single-character
//! term; a Latin word matches as a prefix (gd finds GDP).

/// Han ideographs (CJK unified, extensions A–F, compatibility).
fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

#[derive(Debug, PartialEq, Eq)]
enum Run {
    Han(Vec<char>),
    Word(String),
}

fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut han = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if is_han(c) {
            if !word.is_empty() {
                out.push(Run::Word(std::mem::take(&mut word)));
            }
            han.push(c);
        } else if c.is_ascii_alphanumeric() {
            if !han.is_empty() {
                out.push(Run::Han(std::mem::take(&mut han)));
            }
            word.push(c.to_ascii_lowercase());
        } else {
            if !han.is_empty() {
                out.push(Run::Han(std::mem::take(&mut han)));
            }
            if !word.is_empty() {
                out.push(Run::Word(std::mem::take(&mut word)));
            }
        }
    }
    if !han.is_empty() {
        out.push(Run::Han(han));
    }
    if !word.is_empty() {
        out.push(Run::Word(word));
    }
    out
}

fn bigrams(chars: &[char]) -> Vec<String> {
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// The space-separated terms to index for these texts: bigrams and words in text order
/// (phrases need the order), then each distinct Han character once.
pub fn index_terms(parts: &[&str]) -> String {
    let mut terms: Vec<String> = Vec::new();
    let mut singles: Vec<char> = Vec::new();
    for part in parts {
        for run in runs(part) {
            match run {
                Run::Han(chars) => {
                    terms.extend(bigrams(&chars));
                    for c in chars {
                        if !singles.contains(&c) {
                            singles.push(c);
                        }
                    }
                }
                Run::Word(w) => terms.push(w),
            }
        }
    }
    terms.extend(singles.into_iter().map(String::from));
    terms.join(" ")
}

/// A parsed query: every part must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Consecutive terms (the bigrams of a Han run, or one single character).
    Phrase(Vec<String>),
    /// A Latin word, matched as a prefix.
    Prefix(String),
}

/// How many parts of a query are kept: more only slows the search, not sharpens it.
const MAX_PARTS: usize = 8;

impl Query {
    /// `None` when the text holds nothing searchable (only punctuation or spaces).
    pub fn parse(text: &str) -> Option<Query> {
        let parts: Vec<Part> = runs(text)
            .into_iter()
            .map(|r| match r {
                Run::Han(chars) if chars.len() == 1 => Part::Phrase(vec![chars[0].to_string()]),
                Run::Han(chars) => Part::Phrase(bigrams(&chars)),
                Run::Word(w) => Part::Prefix(w),
            })
            .take(MAX_PARTS)
            .collect();
        (!parts.is_empty()).then_some(Query { parts })
    }

    /// An FTS5 MATCH expression. Terms hold only Han characters or ASCII letters and digits,
    /// so quoting them is enough.
    pub fn to_fts5(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Phrase(terms) => format!("\"{}\"", terms.join(" ")),
                Part::Prefix(w) => format!("\"{w}\"*"),
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// A PostgreSQL `to_tsquery('simple', …)` text.
    pub fn to_tsquery(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Phrase(terms) => format!("({})", terms.join(" <-> ")),
                Part::Prefix(w) => format!("{w}:*"),
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn han_runs_become_bigrams_then_single_characters() {
        assert_eq!(index_terms(&["企业登记"]), "企业 业登 登记 企 业 登 记");
        assert_eq!(
            index_terms(&["GDP数据2024", "人"]),
            "gdp 数据 2024 数 据 人"
        );
        assert_eq!(index_terms(&["公交，公交"]), "公交 公交 公 交");
    }

    #[test]
    fn queries() {
        let q = Query::parse("人口信息").unwrap();
        assert_eq!(q.to_fts5(), "\"人口 口信 信息\"");
        assert_eq!(q.to_tsquery(), "(人口 <-> 口信 <-> 信息)");
        let q = Query::parse(" GDP 公交 站 ").unwrap();
        assert_eq!(q.to_fts5(), "\"gdp\"* AND \"公交\" AND \"站\"");
        assert_eq!(q.to_tsquery(), "gdp:* & (公交) & (站)");
        assert_eq!(Query::parse(" ，。'\" OR * "), Query::parse("or"));
        assert!(Query::parse("，。！").is_none());
        assert!(
            Query::parse("\"*:&|!()").is_none(),
            "operators are never passed through"
        );
    }

    /// The phrase of a query's bigrams occurs in the terms exactly when the query is a
    /// substring of the text (within one run).
    #[test]
    fn phrase_matching_is_substring_matching() {
        let text = "常住人口基本信息";
        let terms: Vec<String> = index_terms(&[text]).split(' ').map(str::to_owned).collect();
        let matches = |q: &str| {
            let b = bigrams(&q.chars().collect::<Vec<_>>());
            terms.windows(b.len()).any(|w| w == b.as_slice())
        };
        for q in ["人口", "常住人口", "口基本", "基本信息"] {
            assert!(matches(q) && text.contains(q), "{q}");
        }
        for q in ["人信", "信息基", "住人口信"] {
            assert!(!matches(q) && !text.contains(q), "{q}");
        }
    }
}
