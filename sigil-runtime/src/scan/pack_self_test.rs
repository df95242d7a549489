//! A pack's own examples as its test: every `examples` text must give a hit of its rule, and no
//! `negative` text may.

use super::error::ScanError;
use super::pack::Pack;
use super::scanner::Scanner;

/// A rule whose examples or negatives do not behave as the pack says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfTestFailure {
    /// The rule.
    pub rule: String,
    /// Index of the example (or negative) in its list.
    pub index: usize,
    /// What went wrong.
    pub problem: SelfTestProblem,
}

/// How a rule failed its own examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SelfTestProblem {
    /// A positive example gave no hit of the rule.
    ExampleMissed,
    /// A negative example gave a hit of the rule.
    NegativeHit,
}

impl std::fmt::Display for SelfTestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.problem {
            SelfTestProblem::ExampleMissed => {
                write!(
                    f,
                    "rule `{}`: example {} is not found",
                    self.rule, self.index
                )
            }
            SelfTestProblem::NegativeHit => write!(
                f,
                "rule `{}`: negative example {} is reported as a hit",
                self.rule, self.index
            ),
        }
    }
}

impl Pack {
    /// Compiles this pack alone and runs every rule's `examples` (each must give a hit of
    /// the rule) and `negative` texts (none may). Returns the failures; empty means the pack
    /// behaves as it says. Errors only when the pack does not compile.
    pub fn self_test(&self) -> Result<Vec<SelfTestFailure>, ScanError> {
        let scanner = Scanner::builder().pack(self.clone()).build()?;
        let mut failures = Vec::new();
        for rule in self.rules() {
            let has_hit = |text: &str| {
                scanner
                    .scan_text(text.as_bytes())
                    .iter()
                    .any(|h| h.rule == rule.id)
            };
            for (index, ex) in rule.examples.iter().enumerate() {
                if !has_hit(ex) {
                    failures.push(SelfTestFailure {
                        rule: rule.id.to_string(),
                        index,
                        problem: SelfTestProblem::ExampleMissed,
                    });
                }
            }
            for (index, ex) in rule.negative.iter().enumerate() {
                if has_hit(ex) {
                    failures.push(SelfTestFailure {
                        rule: rule.id.to_string(),
                        index,
                        problem: SelfTestProblem::NegativeHit,
                    });
                }
            }
        }
        Ok(failures)
    }
}
