//! The planted values: fake secrets of every kind the default pack covers (each with the kind
//! a correct scanner reports). The near-miss decoys are in `decoys.rs`.
//!
//! To cover a new kind, add a row to `SECRETS`: a label, the vault kind, and a
//! function returning `(text before, value, text after)`; only `value` is the ground-truth span.

use sigil_runtime::vault::DataKind;

use super::checksums::{base62, base64url, crc32, iban_check, luhn_check_digit, mod11_10};
use super::rng::{ALNUM, B64, B64URL, DIGITS, LOWER, Rng, UPPER};

pub(crate) type Parts = (String, String, String);

pub(crate) struct Secret {
    pub(crate) label: &'static str,
    pub(crate) kind: DataKind,
    pub(crate) make: fn(&mut Rng) -> Parts,
}

pub(super) fn before(r: &mut Rng, options: &[&str], value: String) -> Parts {
    (r.pick(options).to_string(), value, String::new())
}

pub(crate) const SECRETS: &[Secret] = &[
    Secret {
        label: "aws-access-key",
        kind: DataKind::CloudKey,
        make: |r| {
            let v = format!("AKIA{}", r.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
            before(
                r,
                &["aws_access_key_id = ", "AWS_ACCESS_KEY_ID=", "key: ", "\n"],
                v,
            )
        },
    },
    Secret {
        label: "gcp-api-key",
        kind: DataKind::CloudKey,
        make: |r| {
            let v = format!("AIza{}", r.string(B64URL, 35));
            before(r, &["GOOGLE_API_KEY=", "\"key\": \"", "maps key "], v)
        },
    },
    Secret {
        label: "github-classic",
        kind: DataKind::ApiKey,
        make: |r| {
            let body = r.string(ALNUM, 30);
            let v = format!("ghp_{body}{}", base62(crc32(body.as_bytes()), 6));
            before(
                r,
                &["GITHUB_TOKEN=", "token ", "Authorization: token ", "\n"],
                v,
            )
        },
    },
    Secret {
        label: "github-fine-grained",
        kind: DataKind::ApiKey,
        make: |r| {
            let v = format!("github_pat_{}_{}", r.string(ALNUM, 22), r.string(ALNUM, 59));
            before(r, &["GH_TOKEN=", "pat: "], v)
        },
    },
    Secret {
        label: "gitlab-pat",
        kind: DataKind::ApiKey,
        make: |r| {
            let v = format!("glpat-{}", r.string(ALNUM, 20));
            before(r, &["GITLAB_TOKEN=", "private-token: "], v)
        },
    },
    Secret {
        label: "slack-bot-token",
        kind: DataKind::ApiKey,
        make: |r| {
            let v = format!(
                "xoxb-{}-{}-{}",
                r.digits(11),
                r.digits(13),
                r.string(ALNUM, 24)
            );
            before(r, &["SLACK_BOT_TOKEN=", "slack token: "], v)
        },
    },
    Secret {
        label: "stripe-secret",
        kind: DataKind::ApiKey,
        make: |r| {
            let v = format!(
                "sk_live_{}",
                r.string(ALNUM, if r.chance(0.5) { 24 } else { 99 })
            );
            before(
                r,
                &["STRIPE_SECRET_KEY=", "stripe.api_key = '", "Bearer "],
                v,
            )
        },
    },
    Secret {
        label: "openai-key",
        kind: DataKind::ApiKey,
        make: |r| {
            let v = format!("sk-{}T3BlbkFJ{}", r.string(ALNUM, 20), r.string(ALNUM, 20));
            before(r, &["OPENAI_API_KEY=", "Authorization: Bearer "], v)
        },
    },
    Secret {
        label: "anthropic-key",
        kind: DataKind::ApiKey,
        make: |r| {
            let v = format!("sk-ant-api03-{}AA", r.string(B64URL, 93));
            before(r, &["ANTHROPIC_API_KEY=", "x-api-key: "], v)
        },
    },
    Secret {
        label: "npm-token",
        kind: DataKind::ApiKey,
        make: |r| {
            // 30 random characters and their CRC32 in base62, as npm issues them.
            let body = r.string(ALNUM, 30);
            let v = format!("npm_{body}{}", base62(crc32(body.as_bytes()), 6));
            before(r, &["//registry.npmjs.org/:_authToken=", "NPM_TOKEN="], v)
        },
    },
    Secret {
        label: "pypi-token",
        kind: DataKind::ApiKey,
        make: |r| {
            let v = format!("pypi-AgEIcHlwaS5vcmc{}", r.string(B64URL, 70));
            before(r, &["password = ", "TWINE_PASSWORD="], v)
        },
    },
    Secret {
        label: "sendgrid-key",
        kind: DataKind::ApiKey,
        make: |r| {
            let v = format!("SG.{}.{}", r.string(B64URL, 22), r.string(B64URL, 43));
            before(r, &["SENDGRID_API_KEY=", "sendgrid: "], v)
        },
    },
    Secret {
        label: "rsa-private-key",
        kind: DataKind::PrivateKey,
        make: |r| {
            let lines: Vec<String> = (0..r.range(8, 25)).map(|_| r.string(B64, 64)).collect();
            let v = format!(
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow{}\n{}\n-----END RSA PRIVATE KEY-----",
                r.string(B64, 58),
                lines.join("\n")
            );
            before(r, &["\n", "key file:\n"], v)
        },
    },
    Secret {
        label: "openssh-private-key",
        kind: DataKind::PrivateKey,
        make: |r| {
            let lines: Vec<String> = (0..r.range(5, 9)).map(|_| r.string(B64, 70)).collect();
            let v = format!(
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA{}\n{}\n-----END OPENSSH PRIVATE KEY-----",
                r.string(B64, 46),
                lines.join("\n")
            );
            before(r, &["\n", "id_ed25519:\n"], v)
        },
    },
    Secret {
        label: "jwt",
        kind: DataKind::Jwt,
        make: |r| {
            let header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
            let payload = format!(
                r#"{{"sub":"{}","iat":{},"exp":{},"scope":"read write"}}"#,
                r.digits(8),
                1_700_000_000 + r.below(50_000_000),
                1_760_000_000 + r.below(50_000_000)
            );
            let sig: Vec<u8> = (0..32).map(|_| r.below(256) as u8).collect();
            let v = format!(
                "{header}.{}.{}",
                base64url(payload.as_bytes()),
                base64url(&sig)
            );
            before(
                r,
                &[
                    "Authorization: Bearer ",
                    "id_token=",
                    "\"access_token\": \"",
                ],
                v,
            )
        },
    },
    Secret {
        label: "url-password",
        kind: DataKind::Password,
        make: |r| {
            let scheme = *r.pick(&[
                "postgres",
                "postgresql",
                "mysql",
                "mongodb+srv",
                "redis",
                "amqp",
                "https",
            ]);
            let user = r.string(LOWER, r.range(3, 10));
            let pw = format!(
                "{}{}",
                r.string(ALNUM, r.range(10, 18)),
                r.pick(&["!", "#", "%25", "", "_x"])
            );
            let host = format!(
                "{}.{}.internal",
                r.string(LOWER, 5),
                r.pick(&["db", "cache", "mq"])
            );
            (
                format!("{scheme}://{user}:"),
                pw,
                format!("@{host}:5432/app"),
            )
        },
    },
    Secret {
        label: "password-assignment",
        kind: DataKind::Password,
        make: |r| {
            let pw = format!(
                "{}{}{}",
                r.string(ALNUM, r.range(6, 12)),
                r.pick(&["!", "$", "#", "&", "9"]),
                r.string(ALNUM, 4)
            );
            let (b, a) = *r.pick(&[
                ("password: \"", "\""),
                ("DB_PASSWORD=", ""),
                ("\"password\": \"", "\""),
                ("pwd='", "'"),
            ]);
            (b.to_owned(), pw, a.to_owned())
        },
    },
    Secret {
        label: "generic-secret",
        kind: DataKind::Secret,
        make: |r| {
            let v = r.string(ALNUM, r.range(32, 40));
            let (b, a) = *r.pick(&[
                ("client_secret=", ""),
                ("\"api_secret\": \"", "\""),
                ("SECRET_KEY = '", "'"),
            ]);
            (b.to_owned(), v, a.to_owned())
        },
    },
    Secret {
        label: "iban",
        kind: DataKind::Iban,
        make: |r| {
            let v = iban(r, true);
            before(
                r,
                &["IBAN: ", "to account ", "Kontonummer (IBAN) ", "\n"],
                v,
            )
        },
    },
    Secret {
        label: "card",
        kind: DataKind::Card,
        make: |r| {
            let v = card(r);
            before(r, &["card: ", "Card number ", "paid with ", "\n"], v)
        },
    },
    Secret {
        label: "bic",
        kind: DataKind::Bic,
        make: |r| {
            let v = format!(
                "{}{}{}{}",
                r.string(UPPER, 4),
                r.pick(&["DE", "FR", "GB", "NL", "ES", "IT"]),
                r.string(UPPER, 2),
                if r.chance(0.5) {
                    r.string(UPPER, 3)
                } else {
                    String::new()
                }
            );
            before(r, &["BIC: ", "SWIFT/BIC ", "bic="], v)
        },
    },
    Secret {
        label: "email",
        kind: DataKind::Email,
        make: |r| {
            let v = format!(
                "{}.{}@{}",
                r.pick(&["anna", "jonas", "li", "maria", "pierre", "sofia", "tom"]),
                r.pick(&["schmidt", "dupont", "rossi", "nowak", "garcia", "smith"]),
                r.pick(&[
                    "acme-corp.io",
                    "mailbox.org",
                    "gmail.com",
                    "northwind.de",
                    "uni-heidelberg.de"
                ])
            );
            before(r, &["From: ", "contact ", "\"email\": \"", "\n"], v)
        },
    },
    Secret {
        label: "phone",
        kind: DataKind::Phone,
        make: |r| {
            let v = match r.below(3) {
                0 => format!("+49 151 {}", r.digits(8)),
                1 => format!(
                    "+33 6 {} {} {} {}",
                    r.digits(2),
                    r.digits(2),
                    r.digits(2),
                    r.digits(2)
                ),
                _ => format!("+4477{}", r.digits(8)),
            };
            before(r, &["phone: ", "Tel. ", "call me at "], v)
        },
    },
    Secret {
        label: "us-ssn",
        kind: DataKind::NationalId,
        make: |r| {
            let area = loop {
                let a = r.range(1, 899);
                if a != 666 {
                    break a;
                }
            };
            let v = format!("{area:03}-{:02}-{:04}", r.range(1, 99), r.range(1, 9999));
            before(r, &["SSN: ", "social security number "], v)
        },
    },
    Secret {
        label: "uk-nino",
        kind: DataKind::NationalId,
        make: |r| {
            let first = r.string(b"ABCEGHJKLMNPRSTWXYZ", 1);
            let second = r.string(b"ABCEGHJKLMNPRSTWXYZ", 1);
            let prefix = match format!("{first}{second}").as_str() {
                "BG" | "GB" | "NK" | "KN" | "TN" | "NT" | "ZZ" => "AB".to_owned(),
                p => p.to_owned(),
            };
            let v = format!("{prefix}{}{}", r.digits(6), r.string(b"ABCD", 1));
            before(r, &["NI number ", "National Insurance: "], v)
        },
    },
    Secret {
        label: "nl-bsn",
        kind: DataKind::NationalId,
        make: |r| {
            let v = loop {
                let d = format!("{}{}", r.range(1, 9), r.digits(7));
                let sum: u32 = d
                    .bytes()
                    .enumerate()
                    .map(|(i, b)| (9 - i as u32) * u32::from(b - b'0'))
                    .sum();
                let check = sum % 11;
                if check < 10 {
                    break format!("{d}{check}");
                }
            };
            before(r, &["BSN: ", "burgerservicenummer "], v)
        },
    },
    Secret {
        label: "pl-pesel",
        kind: DataKind::NationalId,
        make: |r| {
            let year = r.range(50, 99);
            let d = format!(
                "{year:02}{:02}{:02}{}",
                r.range(1, 12),
                r.range(1, 28),
                r.digits(4)
            );
            const W: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
            let sum: u32 = d.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
            let v = format!("{d}{}", (10 - sum % 10) % 10);
            before(r, &["PESEL: ", "nr PESEL "], v)
        },
    },
    Secret {
        label: "es-dni",
        kind: DataKind::NationalId,
        make: |r| {
            let n = r.range(10_000_000, 99_999_999);
            let v = format!("{n}{}", b"TRWAGMYFPDXBNJZSQVHLCKE"[n % 23] as char);
            before(r, &["DNI: ", "NIF "], v)
        },
    },
    Secret {
        label: "fr-nir",
        kind: DataKind::NationalId,
        make: |r| {
            let body = format!(
                "{}{:02}{:02}{:02}{:03}{:03}",
                r.range(1, 2),
                r.range(40, 99),
                r.range(1, 12),
                r.range(1, 95),
                r.range(1, 999),
                r.range(1, 999)
            );
            let n: u64 = body.parse().unwrap();
            let v = format!("{body}{:02}", 97 - n % 97);
            before(r, &["NIR: ", "numéro de sécurité sociale "], v)
        },
    },
    Secret {
        label: "se-personnummer",
        kind: DataKind::NationalId,
        make: |r| {
            let d = format!(
                "{:02}{:02}{:02}{}",
                r.range(40, 99),
                r.range(1, 12),
                r.range(1, 28),
                r.digits(3)
            );
            let v = format!("{}-{}{}", &d[..6], &d[6..], luhn_check_digit(&d));
            before(r, &["personnummer ", "Personnummer: "], v)
        },
    },
    Secret {
        label: "de-steuer-id",
        kind: DataKind::NationalId,
        make: |r| {
            let v = loop {
                let mut digits: Vec<u8> = (0..10).collect();
                // Shuffle, drop one digit, repeat another: one digit twice, eight once.
                for i in (1..10).rev() {
                    let j = r.below(i + 1);
                    digits.swap(i, j);
                }
                digits[9] = digits[r.below(9)];
                for i in (1..10).rev() {
                    let j = r.below(i + 1);
                    digits.swap(i, j);
                }
                if digits[0] == 0 {
                    continue;
                }
                let s: String = digits.iter().map(|d| (b'0' + d) as char).collect();
                break format!("{s}{}", mod11_10(&s));
            };
            before(r, &["Steuer-ID: ", "Steueridentifikationsnummer "], v)
        },
    },
];

pub(super) fn iban(r: &mut Rng, spaced_sometimes: bool) -> String {
    let (country, bban) = match r.below(6) {
        0 => ("DE", r.digits(18)),
        1 => ("GB", format!("{}{}", r.string(UPPER, 4), r.digits(14))),
        2 => (
            "FR",
            format!(
                "{}{}{}",
                r.digits(10),
                r.string(b"0123456789ABCDEFGHJK", 11),
                r.digits(2)
            ),
        ),
        3 => ("NL", format!("{}{}", r.string(UPPER, 4), r.digits(10))),
        4 => ("ES", r.digits(20)),
        _ => (
            "IT",
            format!(
                "{}{}{}",
                r.string(UPPER, 1),
                r.digits(10),
                r.string(DIGITS, 12)
            ),
        ),
    };
    let compact = format!("{country}{:02}{bban}", iban_check(country, &bban));
    if spaced_sometimes && r.chance(0.5) {
        compact
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        compact
    }
}

fn card(r: &mut Rng) -> String {
    let (payload, groups): (String, &[usize]) = match r.below(4) {
        0 => (format!("4{}", r.digits(14)), &[4, 4, 4, 4]),
        1 => (format!("5{}{}", r.range(1, 5), r.digits(13)), &[4, 4, 4, 4]),
        2 => (
            format!("3{}{}", r.pick(&["4", "7"]), r.digits(12)),
            &[4, 6, 5],
        ),
        _ => (format!("6011{}", r.digits(11)), &[4, 4, 4, 4]),
    };
    let number = format!("{payload}{}", luhn_check_digit(&payload));
    let sep = *r.pick(&["", " ", "-"]);
    let mut out = String::new();
    let mut at = 0;
    for (i, g) in groups.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(&number[at..at + g]);
        at += g;
    }
    out
}
