//! Timestamps for indicator validity: seconds since the Unix epoch, parsed from the forms feeds use.

use std::fmt;

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time from the system clock.
    pub fn now() -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Timestamp(d)
    }

    /// Parses an RFC 3339 time (`2024-05-01T12:00:00Z`, fractions and offsets allowed), a bare date
    /// (`2024-05-01`, midnight UTC) or a number of seconds since the epoch (fractions dropped).
    pub fn parse(s: &str) -> Result<Timestamp, String> {
        let s = s.trim();
        let err = || format!("invalid time {s:?}: expected RFC 3339, YYYY-MM-DD or epoch seconds");
        if !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            && !s[1..].contains('-')
        {
            let whole = s.split('.').next().unwrap_or("");
            return whole.parse::<i64>().map(Timestamp).map_err(|_| err());
        }
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
            let t = s.get(r).ok_or_else(err)?;
            if t.bytes().all(|c| c.is_ascii_digit()) {
                t.parse::<i64>().map_err(|_| err())
            } else {
                Err(err())
            }
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
            return Err(err());
        }
        let mut secs = days_from_civil(y, mo, d) * 86_400;
        if b.len() == 10 {
            return Ok(Timestamp(secs));
        }
        if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
            return Err(err());
        }
        let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if h > 23 || mi > 59 || se > 60 {
            return Err(err());
        }
        secs += h * 3600 + mi * 60 + se;
        let mut rest = &s[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(err());
            }
            rest = &frac[digits..];
        }
        match rest {
            "Z" | "z" | "" => Ok(Timestamp(secs)),
            off if off.len() == 6
                && (off.starts_with('+') || off.starts_with('-'))
                && &off[3..4] == ":" =>
            {
                let oh = num(s.len() - 5..s.len() - 3)?;
                let om = num(s.len() - 2..s.len())?;
                let delta = oh * 3600 + om * 60;
                Ok(Timestamp(if off.starts_with('+') {
                    secs - delta
                } else {
                    secs + delta
                }))
            }
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Timestamp {
    /// Formats as RFC 3339 in UTC, e.g. `2024-05-01T12:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// Where a matcher takes "now" from when it evaluates validity windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system clock, read once per scan or lookup.
    #[default]
    System,
    /// A fixed time: for retro-hunts ("was this valid when the log was written?") and tests.
    Fixed(Timestamp),
}

impl Clock {
    /// The clock's current time.
    pub fn now(self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Fixed(t) => t,
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_feeds_use() {
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00Z"), Ok(Timestamp(0)));
        assert_eq!(Timestamp::parse("2024-02-29"), Ok(Timestamp(1_709_164_800)));
        assert_eq!(
            Timestamp::parse("2024-02-29T01:02:03.456Z"),
            Ok(Timestamp(1_709_168_523))
        );
        assert_eq!(
            Timestamp::parse("2024-02-29T03:02:03+02:00"),
            Ok(Timestamp(1_709_168_523))
        );
        assert_eq!(
            Timestamp::parse("1709168523.75"),
            Ok(Timestamp(1_709_168_523))
        );
        assert_eq!(Timestamp::parse("-5"), Ok(Timestamp(-5)));
    }

    #[test]
    fn rejects_impossible_dates_and_junk() {
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-01-01T25:00:00Z",
            "yesterday",
            "",
            "2024-01-01T00:00:00+0200",
            "1-2",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2024-02-29T01:02:03Z",
            "1969-12-31T23:59:59Z",
            "2100-03-01T00:00:00Z",
        ] {
            assert_eq!(Timestamp::parse(s).unwrap().to_string(), s);
        }
    }
}
