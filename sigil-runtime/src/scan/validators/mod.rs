//! Validators: checks a regex match must also pass to count as a hit (checksums, entropy,
//! structure). Named in rule packs by `validator = "luhn"`, `"entropy>=3.5"`, ...

/// What a validator sees of one match. Text is the decoded text (JSON escapes already undone).
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The value the rule reports (the `secret` capture group, or the whole match).
    pub value: &'a str,
    /// The whole regex match.
    pub whole: &'a str,
    /// Up to 64 bytes of text before the whole match (on a char boundary), for context checks.
    pub before: &'a str,
}

/// A parsed validator spec.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Validator {
    /// Luhn checksum over the digits of the value.
    Luhn,
    /// Shannon entropy of the value, in bits per byte, at least this much.
    EntropyAtLeast(f64),
}

impl Validator {
    /// Parses a spec as written in a rule pack. Errors name the spec.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let spec = spec.trim();
        if spec == "luhn" {
            return Ok(Self::Luhn);
        }
        if let Some(x) = spec.strip_prefix("entropy>=") {
            return x
                .trim()
                .parse::<f64>()
                .map(Self::EntropyAtLeast)
                .map_err(|_| format!("validator `{spec}`: `{x}` is not a number"));
        }
        Err(format!("unknown validator `{spec}`"))
    }

    /// True when the candidate passes.
    pub fn check(&self, c: &Candidate<'_>) -> bool {
        match self {
            Self::Luhn => luhn(c.value),
            Self::EntropyAtLeast(min) => shannon_entropy(c.value.as_bytes()) >= *min,
        }
    }
}

fn luhn(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() < 2 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}
