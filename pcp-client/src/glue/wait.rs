//! Pacing of polls with a deadline. Pgpool replies before it acts, so every mutation that must
//! be known to have happened is followed by polling node info, paced by a [`Poller`].

use std::time::Duration;

use tokio::time::{sleep_until, Instant};

/// How to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPolicy {
    /// Give up after this long.
    pub timeout: Duration,
    /// First pause between polls; it doubles up to `max_interval`.
    pub interval: Duration,
    /// Longest pause between polls.
    pub max_interval: Duration,
}

impl WaitPolicy {
    /// Waits up to `timeout`, polling after 100 ms at first, then at most every second.
    pub fn with_timeout(timeout: Duration) -> Self {
        WaitPolicy {
            timeout,
            interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(1),
        }
    }

    /// The same policy for polling a value the server refreshes once per `period` (Pgpool's
    /// replication state, every `sr_check_period`): the pauses stop growing at a quarter of
    /// `period` when that is shorter than `max_interval`, so a new value is seen within about
    /// a quarter period; they never go below `interval`.
    pub fn within_refresh_period(self, period: Duration) -> Self {
        let quarter = (period / 4).max(self.interval);
        WaitPolicy {
            max_interval: self.max_interval.min(quarter),
            ..self
        }
    }
}

impl Default for WaitPolicy {
    fn default() -> Self {
        Self::with_timeout(Duration::from_secs(30))
    }
}

/// Paces a polling loop: pauses that grow from `interval` to `max_interval`, never past the
/// deadline.
#[derive(Debug)]
pub struct Poller {
    start: Instant,
    deadline: Instant,
    interval: Duration,
    max_interval: Duration,
}

impl Poller {
    /// Starts the clock.
    pub fn new(policy: WaitPolicy) -> Self {
        let start = Instant::now();
        Poller {
            start,
            deadline: start + policy.timeout,
            interval: policy.interval,
            max_interval: policy.max_interval,
        }
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Sleeps until the next poll is due. Returns `false`, without sleeping, once the deadline
    /// has passed: the caller stops polling.
    pub async fn pause(&mut self) -> bool {
        let now = Instant::now();
        if now >= self.deadline {
            return false;
        }
        sleep_until((now + self.interval).min(self.deadline)).await;
        self.interval = (self.interval * 2).min(self.max_interval);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `poller` to its deadline and returns its pauses in milliseconds.
    async fn pauses_until_deadline(poller: &mut Poller) -> Vec<u128> {
        let mut pauses = Vec::new();
        let mut last = poller.elapsed();
        while poller.pause().await {
            let now = poller.elapsed();
            pauses.push((now - last).as_millis());
            last = now;
        }
        pauses
    }

    #[tokio::test(start_paused = true)]
    async fn pauses_grow_and_stop_at_the_deadline() {
        let mut poller = Poller::new(WaitPolicy::with_timeout(Duration::from_millis(2500)));
        let pauses = pauses_until_deadline(&mut poller).await;
        assert_eq!(pauses, vec![100, 200, 400, 800, 1000]);
        assert_eq!(poller.elapsed(), Duration::from_millis(2500));
        assert!(!poller.pause().await, "no pause after the deadline");
    }

    #[test]
    fn refresh_period_caps_the_pauses_at_a_quarter_of_it() {
        let base = WaitPolicy::with_timeout(Duration::from_secs(60));
        let one_s = base.within_refresh_period(Duration::from_secs(1));
        assert_eq!(one_s.max_interval, Duration::from_millis(250));
        assert_eq!(
            (one_s.timeout, one_s.interval),
            (base.timeout, base.interval)
        );
        // A slow refresh keeps the policy's own cap; a very fast one stops at the first pause.
        let ten_s = base.within_refresh_period(Duration::from_secs(10));
        assert_eq!(ten_s, base);
        let fast = base.within_refresh_period(Duration::from_millis(100));
        assert_eq!(fast.max_interval, base.interval);
    }

    #[tokio::test(start_paused = true)]
    async fn pauses_within_a_refresh_period() {
        let policy = WaitPolicy::with_timeout(Duration::from_millis(1300))
            .within_refresh_period(Duration::from_secs(1));
        let pauses = pauses_until_deadline(&mut Poller::new(policy)).await;
        assert_eq!(pauses, vec![100, 200, 250, 250, 250, 250]);
    }

    #[tokio::test(start_paused = true)]
    async fn zero_timeout_never_pauses() {
        let mut poller = Poller::new(WaitPolicy::with_timeout(Duration::ZERO));
        assert!(!poller.pause().await);
    }
}
