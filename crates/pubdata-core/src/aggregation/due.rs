//! When a resource's next update is due: its update cycle counted from the last accepted
//! batch (or, before the first, from the day it was published). Calendar days, not working
//! days: the cycles of the catalog are calendar periods.

use chrono::{Days, Months, NaiveDate};

use crate::catalog::UpdateCycle;

/// The length of a cycle in days (months counted as 30), none when irregular: what
/// timeliness measures lateness against.
pub fn cycle_days(cycle: UpdateCycle) -> Option<i64> {
    Some(match cycle {
        UpdateCycle::Realtime | UpdateCycle::Daily => 1,
        UpdateCycle::Weekly => 7,
        UpdateCycle::Monthly => 30,
        UpdateCycle::Quarterly => 91,
        UpdateCycle::HalfYearly => 182,
        UpdateCycle::Yearly => 365,
        UpdateCycle::Irregular => return None,
    })
}

/// The date by which the next batch is due, none for an irregular cycle.
pub fn next_due(cycle: UpdateCycle, since: NaiveDate) -> Option<NaiveDate> {
    match cycle {
        UpdateCycle::Realtime | UpdateCycle::Daily => since.checked_add_days(Days::new(1)),
        UpdateCycle::Weekly => since.checked_add_days(Days::new(7)),
        UpdateCycle::Monthly => since.checked_add_months(Months::new(1)),
        UpdateCycle::Quarterly => since.checked_add_months(Months::new(3)),
        UpdateCycle::HalfYearly => since.checked_add_months(Months::new(6)),
        UpdateCycle::Yearly => since.checked_add_months(Months::new(12)),
        UpdateCycle::Irregular => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_end_on_the_last_day_when_shorter() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            next_due(UpdateCycle::Monthly, d("2026-01-31")),
            Some(d("2026-02-28"))
        );
        assert_eq!(
            next_due(UpdateCycle::Quarterly, d("2026-11-30")),
            Some(d("2027-02-28"))
        );
        assert_eq!(
            next_due(UpdateCycle::Weekly, d("2026-12-29")),
            Some(d("2027-01-05"))
        );
        assert_eq!(next_due(UpdateCycle::Irregular, d("2026-12-29")), None);
    }
}
