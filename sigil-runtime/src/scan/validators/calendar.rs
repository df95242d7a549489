//! Calendar checks for identifiers that embed a birth date.

/// True when `year-month-day` exists in the proleptic Gregorian calendar.
pub(super) fn valid_date(year: u32, month: u32, day: u32) -> bool {
    if !(1..=12).contains(&month) || day == 0 {
        return false;
    }
    day <= days_in_month(year, month)
}

/// True when day `day` of month `month` exists in some year (29 February allowed).
pub(super) fn valid_day_any_year(month: u32, day: u32) -> bool {
    valid_date(2000, month, day)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_days_follow_the_gregorian_rules() {
        assert!(valid_date(2000, 2, 29));
        assert!(valid_date(2024, 2, 29));
        assert!(!valid_date(1900, 2, 29));
        assert!(!valid_date(2023, 2, 29));
        assert!(!valid_date(2023, 4, 31));
        assert!(!valid_date(2023, 13, 1));
        assert!(!valid_date(2023, 1, 0));
        assert!(valid_day_any_year(2, 29));
    }
}
