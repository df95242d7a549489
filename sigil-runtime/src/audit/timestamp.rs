//! RFC 3339 UTC timestamps with millisecond precision, the only form a record's `time` takes:
//! `YYYY-MM-DDTHH:MM:SS.mmmZ` (24 bytes).

/// Formats milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn format_millis(millis: u64, out: &mut Vec<u8>) {
    let secs = millis / 1000;
    let ms = millis % 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let fields = [
        (year, 4),
        (month, 2),
        (day, 2),
        (rem / 3600, 2),
        (rem % 3600 / 60, 2),
        (rem % 60, 2),
        (ms, 3),
    ];
    let seps = [b'-', b'-', b'T', b':', b':', b'.', b'Z'];
    for ((value, width), sep) in fields.into_iter().zip(seps) {
        push_padded(value, width, out);
        out.push(sep);
    }
}

fn push_padded(value: u64, width: u32, out: &mut Vec<u8>) {
    let mut div = 10u64.pow(width - 1);
    while div > 0 {
        out.push(b'0' + u8::try_from(value / div % 10).unwrap_or(0));
        div /= 10;
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian calendar.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    let y = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).checked_sub(719_468)
}

/// Parses a UTC time: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ` or with `.mmm` before the `Z`.
/// Returns milliseconds since the epoch. Offsets other than `Z` are refused.
pub fn parse_utc_millis(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u64> {
        let digits = b.get(range)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(
            digits
                .iter()
                .fold(0, |acc, d| acc * 10 + u64::from(d - b'0')),
        )
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    if b.len() == 10 {
        return Some(days * 86_400_000);
    }
    if b.len() < 20 || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, m, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let ms = match &b[19..] {
        [b'Z' | b'z'] => 0,
        [b'.', rest @ .., b'Z' | b'z'] if (1..=9).contains(&rest.len()) => {
            let frac = num(20..20 + rest.len())?;
            let scale = 10u64.pow(u32::try_from(rest.len()).ok()?);
            frac * 1000 / scale
        }
        _ => return None,
    };
    Some(((days * 24 + h) * 60 + m) * 60_000 + s * 1000 + ms)
}

/// Whether `text` has exactly the record form `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn is_record_time(text: &str) -> bool {
    text.len() == 24
        && text.as_bytes()[23] == b'Z'
        && text.as_bytes()[19] == b'.'
        && parse_utc_millis(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(ms: u64) -> String {
        let mut out = Vec::new();
        format_millis(ms, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(fmt(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(fmt(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(fmt(1_764_100_247_009), "2025-11-25T19:50:47.009Z");
    }

    #[test]
    fn parse_round_trips_format() {
        for ms in [0, 951_782_400_123, 1_764_100_247_009, 4_102_444_799_999] {
            assert_eq!(parse_utc_millis(&fmt(ms)), Some(ms));
        }
        assert_eq!(parse_utc_millis("2000-02-29"), Some(951_782_400_000));
        assert_eq!(
            parse_utc_millis("2000-02-29T00:00:01Z"),
            Some(951_782_401_000)
        );
        assert_eq!(parse_utc_millis("2000-02-29T00:00:01+01:00"), None);
        assert_eq!(parse_utc_millis("yesterday"), None);
        assert!(is_record_time("2025-11-25T19:50:47.009Z"));
        assert!(!is_record_time("2025-11-25T19:50:47Z"));
    }
}
