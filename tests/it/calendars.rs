//! Every CF calendar against Python's cftime (the oracle, run from the venv
//! `scripts/oracle-python` makes): random units (every unit cftime takes,
//! references with one-digit fields, fractions of a second, time zones,
//! negative years, dates that do not exist) and random values, decoded by
//! both; then the dates encoded back (`date2num`) by both.

use crate::common::{oracle_python, run_oracle};
use darray::time::{Calendar, DateTime, TimeAxis, TimeUnits};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

const CALENDARS: &[&str] =
    &["standard", "gregorian", "proleptic_gregorian", "julian", "noleap", "365_day", "all_leap", "366_day", "360_day"];
const UNITS: &[(&str, f64)] = &[
    ("days", 1.0),
    ("d", 1.0),
    ("hours", 24.0),
    ("hrs", 24.0),
    ("minutes", 1440.0),
    ("seconds", 86400.0),
    ("s", 86400.0),
    ("milliseconds", 86_400_000.0),
    ("msec", 86_400_000.0),
    ("microseconds", 86_400_000_000.0),
    ("months", 1.0 / 30.0),
    ("common_years", 1.0 / 365.0),
];

#[derive(Debug, Clone)]
struct Case {
    calendar: &'static str,
    units: String,
    values: Vec<f64>,
}

/// A reference date as files write them: zero-padded or not, with or
/// without a time, a fraction and a zone.
fn reference() -> impl Strategy<Value = String> {
    let year = prop_oneof![6 => 1500i64..2200, 1 => -800i64..=2, 1 => 1582i64..=1583];
    (year, 1u32..=12, 1u32..=31, any::<bool>(), 0u32..24, 0u32..60, 0u32..60, 0u8..4, 0u8..5).prop_map(
        |(y, m, d, pad, h, mi, s, time, zone)| {
            let date = if pad { format!("{y:04}-{m:02}-{d:02}") } else { format!("{y}-{m}-{d}") };
            let time = match time {
                0 => String::new(),
                1 => format!(" {h}:{mi}"),
                2 => format!("T{h:02}:{mi:02}:{s:02}"),
                _ => format!(" {h:02}:{mi:02}:{s:02}.25"),
            };
            let zone = ["", "Z", " -06:00", " +0530", " UTC"][zone as usize];
            format!("{date}{time}{zone}")
        },
    )
}

fn case() -> impl Strategy<Value = Case> {
    let values = prop::collection::vec(
        prop_oneof![
            (-400_000i64..400_000).prop_map(|v| v as f64),
            -400_000.0f64..400_000.0,
            (-1000i64..1000, 0u32..8).prop_map(|(v, k)| v as f64 + f64::from(k) / 8.0),
            (-100i64..100).prop_map(|v| v as f64 / 3.0),
        ],
        1..6,
    );
    (prop::sample::select(CALENDARS), prop::sample::select(UNITS), reference(), values).prop_map(
        |(calendar, (unit, per_day), reference, values)| Case {
            calendar,
            units: format!("{unit} since {reference}"),
            // Values in days, turned into the unit (so every unit spans
            // about a thousand years).
            // Fine units get whole values (files store them as integers).
            values: values
                .iter()
                .map(|v| if per_day > 1.0 { (v * per_day).round_ties_even() } else { v * per_day })
                .collect(),
        },
    )
}

const SCRIPT: &str = r#"
import json, sys, cftime
out = []
for c in json.load(sys.stdin):
    try:
        d = cftime.num2date(c["values"], c["units"], c["calendar"])
        back = [float(x) for x in cftime.date2num(d, c["units"], c["calendar"])]
        out.append({"dates": [[x.year, x.month, x.day, x.hour, x.minute, x.second, x.microsecond, x.dayofyr]
                              for x in d], "back": back})
    except Exception as e:
        out.append({"error": str(e)})
json.dump(out, sys.stdout)
"#;

fn fields(t: &DateTime, doy: u32) -> Vec<i64> {
    vec![
        t.year,
        t.month.into(),
        t.day.into(),
        t.hour.into(),
        t.minute.into(),
        t.second.into(),
        t.microsecond.into(),
        doy.into(),
    ]
}

/// Checks a batch of cases against cftime; returns the number compared.
fn check(py: &std::path::Path, cases: &[Case]) -> Result<usize, TestCaseError> {
    let input: Vec<Value> =
        cases.iter().map(|c| json!({"calendar": c.calendar, "units": c.units, "values": c.values})).collect();
    let got: Vec<Value> = serde_json::from_str(&run_oracle(py, SCRIPT, &json!(input).to_string())).unwrap();
    for (c, want) in cases.iter().zip(&got) {
        let ours = TimeAxis::from_cf(&c.values, &c.units, c.calendar);
        match (want.get("error"), ours) {
            (Some(e), Ok(t)) => {
                return Err(TestCaseError::fail(format!(
                    "{c:?}: cftime refuses ({e}), darray gives {:?}",
                    t.datetimes()
                )))
            }
            (None, Err(e)) => return Err(TestCaseError::fail(format!("{c:?}: cftime decodes it, darray: {e}"))),
            (Some(_), Err(_)) => {}
            (None, Ok(t)) => {
                let cal = t.calendar();
                let units = TimeUnits::parse(&c.units, cal).unwrap();
                let doys = t.days_of_year();
                for (i, d) in t.datetimes().iter().enumerate() {
                    let ours = fields(d, doys[i] as u32);
                    let theirs: Vec<i64> = serde_json::from_value(want["dates"][i].clone()).unwrap();
                    prop_assert!(cal.is_valid(d.year, d.month, d.day));
                    if ours != theirs {
                        // Past 2^53 microseconds cftime rounds the product in
                        // a long double, where it is exact here: where the
                        // value cannot even tell microseconds apart, the two
                        // may be one apart.
                        let v = c.values[i];
                        let resolution = (v.abs() * f64::EPSILON) * units.unit_micros() as f64;
                        let t = DateTime {
                            year: theirs[0],
                            month: theirs[1] as u32,
                            day: theirs[2] as u32,
                            hour: theirs[3] as u32,
                            minute: theirs[4] as u32,
                            second: theirs[5] as u32,
                            microsecond: theirs[6] as u32,
                        };
                        let apart = (units.instant(&t).unwrap() - units.instant(d).unwrap()).abs();
                        prop_assert!(
                            resolution >= 1.0 && apart <= 1,
                            "{:?} value {}: darray {:?}, cftime {:?}",
                            c,
                            v,
                            ours,
                            theirs
                        );
                        continue;
                    }
                    // Encoded back: cftime's date2num of the same date.
                    let back = units.value(d).unwrap();
                    let theirs = want["back"][i].as_f64().unwrap();
                    prop_assert!(
                        (back - theirs).abs() <= 1e-12 * theirs.abs().max(1.0),
                        "{:?}: date2num of {} is {} (cftime {})",
                        c,
                        d,
                        back,
                        theirs
                    );
                }
            }
        }
    }
    Ok(cases.len())
}

#[test]
fn every_calendar_decodes_as_cftime() {
    let Some(py) = oracle_python() else { return };
    // Batches of cases, one Python run each.
    // No shrinking: the failure names its case, and each try runs Python.
    let mut runner = TestRunner::new(Config { cases: 6, max_shrink_iters: 0, ..Config::default() });
    if let Err(e) = runner.run(&prop::collection::vec(case(), 400), |cases| check(&py, &cases).map(|_| ())) {
        match e {
            proptest::test_runner::TestError::Fail(why, _) => panic!("{why}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn group_labels_in_model_calendars() {
    // A year of daily steps: 360, 365 and 366 distinct days of the year,
    // and the months as long as the calendar makes them.
    for (cal, len) in [("360_day", 360), ("noleap", 365), ("all_leap", 366), ("julian", 366)] {
        let days: Vec<f64> = (0..len).map(f64::from).collect();
        let t = TimeAxis::from_cf(&days, "days since 2000-01-01", cal).unwrap();
        let doy = t.days_of_year();
        assert_eq!(doy, (1..=i64::from(len)).collect::<Vec<_>>(), "{cal}");
        let c: Calendar = cal.parse().unwrap();
        for m in 1..=12u32 {
            let n = t.months().iter().filter(|&&x| x == i64::from(m)).count();
            assert_eq!(n as u32, c.days_in_month(2000, m), "{cal} month {m}");
        }
        // Seasons: DJF holds January, February and December.
        let djf = t.seasons().iter().zip(t.months()).filter(|(s, _)| **s == 0).all(|(_, m)| [12, 1, 2].contains(&m));
        assert!(djf);
        assert_eq!(t.dates()[len as usize - 1] - t.dates()[0], i64::from(len) - 1);
    }
}

#[test]
fn bad_units_and_calendars_are_typed_errors() {
    use darray::{Error, IoError};
    for (units, cal) in [
        ("days since 2000-01-01", "tai"),
        ("days since 2000-01-01", "none"),
        ("months since 2000-01-01", "standard"),
        ("common_years since 2000-01-01", "360_day"),
        ("weeks since 2000-01-01", "standard"),
        ("days since 2001-02-29", "standard"),
        ("days since 1582-10-10", "standard"),
        ("days since 0000-01-01", "julian"),
        ("days since 2000", "noleap"),
        ("days since 2000-01-01 12", "noleap"),
        ("days since", "noleap"),
    ] {
        match TimeAxis::from_cf(&[0.0], units, cal) {
            Err(Error::Io(IoError::Time(msg))) => assert!(!msg.is_empty()),
            other => panic!("{units:?} {cal}: {other:?}"),
        }
    }
    assert!(TimeAxis::from_cf(&[f64::INFINITY], "days since 2000-01-01", "noleap").is_err());
    assert!(TimeAxis::from_cf(&[1e300], "days since 2000-01-01", "noleap").is_err());
}
