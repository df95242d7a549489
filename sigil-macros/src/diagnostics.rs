//! Collecting every mistake before reporting, and suggesting the name the user meant.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Accumulates errors so that one expansion reports every mistake at once.
#[derive(Default)]
pub(crate) struct Errors {
    first: Option<syn::Error>,
}

impl Errors {
    /// Records an error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.first {
            Some(first) => first.combine(error),
            None => self.first = Some(error),
        }
    }

    /// Records an error spanned at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error spanned over `tokens` (all of them, not just the first token).
    pub(crate) fn over(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// How many errors were recorded.
    pub(crate) fn len(&self) -> usize {
        self.first.as_ref().map_or(0, |e| e.into_iter().count())
    }

    /// `Ok` when nothing was recorded, else every recorded error.
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.first.map_or(Ok(()), Err)
    }
}

/// The candidate closest to `input`, if it is close enough to be a plausible typo.
///
/// Case and underscores are ignored first (`readOnlyHint` finds `read_only_hint`), then the
/// edit distance must be at most a third of the longer name (at least 1).
pub(crate) fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let folded = fold(input);
    if let Some(exact) = candidates.iter().find(|c| fold(c) == folded) {
        return Some(exact);
    }
    candidates
        .iter()
        .map(|c| (edit_distance(&folded, &fold(c)), *c))
        .filter(|(d, c)| *d <= (c.len().max(input.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` when there is a close candidate, else nothing.
pub(crate) fn suggestion(input: &str, candidates: &[&str]) -> String {
    did_you_mean(input, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// The candidates as "`a`, `b` or `c`".
pub(crate) fn one_of(candidates: &[&str]) -> String {
    let quoted: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Edit distance over chars where a swap of two neighbours counts as one edit (optimal string
/// alignment), so `Hihg` is one edit from `High`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: distance between a[..i] and b[..j]
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let keys = ["risk", "confirm", "read_only_hint", "scopes"];
        assert_eq!(did_you_mean("rsk", &keys), Some("risk"));
        assert_eq!(did_you_mean("confrim", &keys), Some("confirm"));
        assert_eq!(did_you_mean("readOnlyHint", &keys), Some("read_only_hint"));
        assert_eq!(did_you_mean("scope", &keys), Some("scopes"));
        assert_eq!(did_you_mean("banana", &keys), None);
    }

    #[test]
    fn lists_alternatives() {
        assert_eq!(one_of(&["Low", "High"]), "`Low` or `High`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("hihg", "high"), 1);
        assert_eq!(
            did_you_mean("Hihg", &["Low", "Medium", "High", "Critical"]),
            Some("High")
        );
    }
}
