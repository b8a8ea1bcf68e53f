"""Cases that follow a decision: detention notices with their legal clocks, referrals and
tip-offs. `riskd.cases.calendar` counts the clocks; `riskd.cases.notices` opens the
notification cases of a detention."""
