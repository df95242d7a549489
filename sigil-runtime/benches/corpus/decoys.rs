//! Near-miss decoys planted in the corpus: values that look like secrets but must not be
//! reported (example keys, placeholders, failing checksums, publishable keys, hashes, ...).
//!
//! To cover a new decoy, add a row to `DECOYS`: a label and a function returning
//! `(text before, value, text after)`.

use super::checksums::luhn_check_digit;
use super::rng::{ALNUM, B64, HEX, LOWER, Rng};
use super::values::{Parts, before, iban};

pub(crate) struct Decoy {
    pub(crate) label: &'static str,
    pub(crate) make: fn(&mut Rng) -> Parts,
}

pub(crate) const DECOYS: &[Decoy] = &[
    Decoy {
        label: "aws-example-key",
        make: |r| {
            let v = if r.chance(0.5) {
                "AKIAIOSFODNN7EXAMPLE".to_owned()
            } else {
                format!(
                    "AKIA{}EXAMPLE",
                    r.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 9)
                )
            };
            before(r, &["aws_access_key_id = ", "e.g. "], v)
        },
    },
    Decoy {
        label: "uuid",
        make: |r| {
            let v = format!(
                "{}-{}-4{}-{}{}-{}",
                r.string(HEX, 8),
                r.string(HEX, 4),
                r.string(HEX, 3),
                r.pick(&["8", "9", "a", "b"]),
                r.string(HEX, 3),
                r.string(HEX, 12)
            );
            before(r, &["request_id=", "\"id\": \"", "trace "], v)
        },
    },
    Decoy {
        label: "sha-hash",
        make: |r| {
            let v = r.string(HEX, if r.chance(0.5) { 40 } else { 64 });
            before(r, &["commit ", "sha256:", "checksum: "], v)
        },
    },
    Decoy {
        label: "sri-integrity",
        make: |r| {
            let v = format!("sha512-{}==", r.string(B64, 86));
            before(r, &["\"integrity\": \""], v)
        },
    },
    Decoy {
        label: "card-failing-luhn",
        make: |r| {
            let payload = format!("4{}", r.digits(14));
            let bad = (luhn_check_digit(&payload) + 1 + r.below(8) as u32) % 10;
            before(r, &["card: ", "order "], format!("{payload}{bad}"))
        },
    },
    Decoy {
        label: "test-card",
        make: |r| {
            let v = *r.pick(&[
                "4111111111111111",
                "4242424242424242",
                "5555555555554444",
                "378282246310005",
                "4000056655665556",
                "5105105105105100",
                "4111 1111 1111 1111",
            ]);
            before(r, &["test card ", "card: "], v.to_owned())
        },
    },
    Decoy {
        label: "iban-bad-check",
        make: |r| {
            let good = iban(r, false);
            let check: u32 = good[2..4].parse().unwrap();
            let bad = format!(
                "{}{:02}{}",
                &good[..2],
                (check + 1 + r.below(50) as u32) % 97 + 2,
                &good[4..]
            );
            let v = if bad == good {
                format!("{}00{}", &good[..2], &good[4..])
            } else {
                bad
            };
            before(r, &["IBAN: ", "account "], v)
        },
    },
    Decoy {
        label: "placeholder",
        make: |r| {
            let v = *r.pick(&[
                "${API_KEY}",
                "<your-api-key>",
                "xxxxxxxxxxxxxxxxxxxxxxxx",
                "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
                "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                "********",
                "YOUR_TOKEN_HERE",
                "{{ secrets.NPM_TOKEN }}",
                "changeme",
                "$DB_PASSWORD",
            ]);
            before(
                r,
                &["token: ", "password: ", "API_KEY=", "secret = "],
                v.to_owned(),
            )
        },
    },
    Decoy {
        label: "stripe-publishable",
        make: |r| {
            let v = format!("pk_live_{}", r.string(ALNUM, 24));
            before(r, &["STRIPE_PUBLISHABLE_KEY=", "publishableKey: '"], v)
        },
    },
    Decoy {
        label: "version-or-date",
        make: |r| {
            let v = match r.below(3) {
                0 => format!("v{}.{}.{}", r.below(20), r.below(100), r.below(100)),
                1 => format!(
                    "20{:02}-{:02}-{:02}",
                    r.range(10, 30),
                    r.range(1, 12),
                    r.range(1, 28)
                ),
                _ => format!(
                    "{}.{}.{}-beta.{}",
                    r.below(5),
                    r.below(40),
                    r.below(10),
                    r.below(9)
                ),
            };
            before(r, &["version ", "released ", "since "], v)
        },
    },
    Decoy {
        label: "url-without-password",
        make: |r| {
            let v = match r.below(3) {
                0 => format!(
                    "https://github.com/{}/{}.git",
                    r.string(LOWER, 5),
                    r.string(LOWER, 7)
                ),
                1 => format!("https://docs.rs/{}/1.{}.0", r.string(LOWER, 6), r.below(40)),
                _ => format!("postgres://db.{}.internal:5432/app", r.string(LOWER, 5)),
            };
            before(r, &["remote: ", "clone ", "see "], v)
        },
    },
    Decoy {
        label: "ssn-invalid",
        make: |r| {
            let high = 900 + r.below(99);
            let area = *r.pick(&[0usize, 666, high]);
            let v = format!("{area:03}-{:02}-{:04}", r.range(1, 99), r.range(1, 9999));
            before(r, &["SSN: "], v)
        },
    },
    Decoy {
        label: "bsn-failing-11-test",
        make: |r| {
            let v = loop {
                let d = format!("{}{}", r.range(1, 9), r.digits(8));
                let sum: i64 = d
                    .bytes()
                    .enumerate()
                    .map(|(i, b)| {
                        let w = if i == 8 { -1 } else { 9 - i as i64 };
                        w * i64::from(b - b'0')
                    })
                    .sum();
                if sum % 11 != 0 {
                    break d;
                }
            };
            before(r, &["BSN: "], v)
        },
    },
];
