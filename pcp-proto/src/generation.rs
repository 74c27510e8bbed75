//! Which Pgpool release line a reply's layout reveals.
//!
//! PCP has no version handshake; replies are recognised by their structure (field counts,
//! framing, JSON keys), and each structure belongs to a range of releases.

use std::fmt;

/// A Pgpool release line, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Version {
    /// Major number (4).
    pub major: u8,
    /// Minor number.
    pub minor: u8,
}

impl Version {
    /// Builds a version.
    pub const fn new(major: u8, minor: u8) -> Self {
        Version { major, minor }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The range of Pgpool releases that produce a given reply layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Generation {
    /// Oldest release line with this layout.
    pub since: Version,
    /// Newest release line with this layout; `None` if it is still current.
    pub until: Option<Version>,
}

impl Generation {
    /// A closed range.
    pub const fn between(since: Version, until: Version) -> Self {
        Generation {
            since,
            until: Some(until),
        }
    }

    /// An open range: this release and later.
    pub const fn since(since: Version) -> Self {
        Generation { since, until: None }
    }

    /// Whether `version` falls in the range.
    pub fn contains(&self, version: Version) -> bool {
        version >= self.since && self.until.is_none_or(|until| version <= until)
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.until {
            None => write!(f, "{}+", self.since),
            Some(until) if until == self.since => write!(f, "{}", self.since),
            Some(until) => write!(f, "{}–{}", self.since, until),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_contains() {
        let g = Generation::between(Version::new(4, 1), Version::new(4, 2));
        assert_eq!(g.to_string(), "4.1–4.2");
        assert!(g.contains(Version::new(4, 2)));
        assert!(!g.contains(Version::new(4, 3)));
        assert_eq!(Generation::since(Version::new(4, 4)).to_string(), "4.4+");
        assert_eq!(
            Generation::between(Version::new(4, 3), Version::new(4, 3)).to_string(),
            "4.3"
        );
    }
}
