//! Whether to poll for the next reply or sleep until it arrives, learnt per session.
//!
//! A task that sleeps while Pgpool answers lets its CPU go idle, and on a machine whose idle
//! CPUs are slow to wake (a virtual machine that halts them at once) the wake-up costs more
//! than the answer: polling is then about twice as fast. On a busy machine it is the other way
//! round: the CPUs are awake anyway, and a polling client only takes CPU time from Pgpool.
//! Which case holds can change while a session lives, so each session measures both: it uses
//! the way whose recent waits were shorter, and every [`EXPLORE_EVERY`]th wait tries the
//! other way to keep that figure current. Only waits are measured: a reply already received
//! says nothing about either way.

use std::time::Duration;

/// One wait in this many uses the way that currently looks slower.
pub(crate) const EXPLORE_EVERY: u32 = 16;

/// Weight of the newest wait in the running averages (1/8).
const NEWEST_WEIGHT: f64 = 0.125;

/// How the session waits for a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Poll the socket for up to the limit, then sleep.
    Poll(Duration),
    /// Sleep until the socket is readable.
    Sleep,
}

/// The running averages of both ways of waiting for one session.
#[derive(Debug, Clone)]
pub(crate) struct WaitChooser {
    limit: Duration,
    polled_ns: Option<f64>,
    slept_ns: Option<f64>,
    waits: u32,
}

impl WaitChooser {
    /// Polling for up to `limit`.
    pub(crate) fn new(limit: Duration) -> Self {
        WaitChooser {
            limit,
            polled_ns: None,
            slept_ns: None,
            waits: 0,
        }
    }

    /// The way to wait this time.
    pub(crate) fn choose(&mut self) -> Wait {
        self.waits = self.waits.wrapping_add(1);
        let poll_is_faster = match (self.polled_ns, self.slept_ns) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(polled), Some(slept)) => polled <= slept,
        };
        let explore =
            self.polled_ns.is_some() && self.slept_ns.is_some() && self.waits % EXPLORE_EVERY == 0;
        if poll_is_faster != explore {
            Wait::Poll(self.limit)
        } else {
            Wait::Sleep
        }
    }

    /// Records how long a wait of the chosen way took.
    pub(crate) fn record(&mut self, way: Wait, took: Duration) {
        let ns = took.as_secs_f64() * 1e9;
        let average = match way {
            Wait::Poll(_) => &mut self.polled_ns,
            Wait::Sleep => &mut self.slept_ns,
        };
        *average = Some(match *average {
            None => ns,
            Some(old) => old + NEWEST_WEIGHT * (ns - old),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_micros(50);

    /// Runs `n` waits where polling takes `polled` and sleeping `slept`; counts the polls.
    fn polls_among(chooser: &mut WaitChooser, n: u32, polled: u64, slept: u64) -> u32 {
        let mut polls = 0;
        for _ in 0..n {
            let way = chooser.choose();
            let took = match way {
                Wait::Poll(limit) => {
                    assert_eq!(limit, LIMIT);
                    polls += 1;
                    Duration::from_micros(polled)
                }
                Wait::Sleep => Duration::from_micros(slept),
            };
            chooser.record(way, took);
        }
        polls
    }

    #[test]
    fn tries_both_then_keeps_the_faster() {
        let mut chooser = WaitChooser::new(LIMIT);
        assert_eq!(chooser.choose(), Wait::Poll(LIMIT));
        chooser.record(Wait::Poll(LIMIT), Duration::from_micros(20));
        assert_eq!(chooser.choose(), Wait::Sleep);
        chooser.record(Wait::Sleep, Duration::from_micros(60));
        // Polling was faster: poll, except for one exploring sleep in every EXPLORE_EVERY.
        let polls = polls_among(&mut chooser, 160, 20, 60);
        assert_eq!(polls, 160 - 160 / EXPLORE_EVERY);
    }

    #[test]
    fn sleeps_when_polling_does_not_pay() {
        let mut chooser = WaitChooser::new(LIMIT);
        let polls = polls_among(&mut chooser, 160, 45, 18);
        assert!(polls <= 1 + 160 / EXPLORE_EVERY, "{polls}");
    }

    #[test]
    fn follows_a_change_of_the_machine() {
        let mut chooser = WaitChooser::new(LIMIT);
        polls_among(&mut chooser, 200, 20, 60);
        // The machine got busy: polling now costs more than sleeping. The exploring waits
        // notice it and the chooser turns to sleeping.
        polls_among(&mut chooser, 400, 45, 18);
        let polls = polls_among(&mut chooser, 160, 45, 18);
        assert_eq!(polls, 160 / EXPLORE_EVERY);
        // And back.
        polls_among(&mut chooser, 400, 20, 60);
        let polls = polls_among(&mut chooser, 160, 20, 60);
        assert_eq!(polls, 160 - 160 / EXPLORE_EVERY);
    }
}
