//! The salted MD5 exchange: `'M'` asks for a 4-byte salt, `'R'` sends the user and the hash.

use md5::{Digest, Md5};

/// Lower-case hex of the MD5 digest of `parts` concatenated.
fn md5_hex(parts: &[&[u8]]) -> String {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut out = String::with_capacity(32);
    for byte in digest {
        out.push(hex_digit(byte >> 4));
        out.push(hex_digit(byte & 0x0f));
    }
    out
}

fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).unwrap_or('0')
}

/// What `pcp.conf` stores for a password: hex MD5 of the password.
pub fn password_hash(password: &str) -> String {
    md5_hex(&[password.as_bytes()])
}

/// The hash to send in `'R'`, from the password:
/// `md5hex(md5hex(md5hex(password) ‖ user) ‖ salt)`.
pub fn auth_hash(user: &str, password: &str, salt: [u8; 4]) -> String {
    auth_hash_from_stored(user, &password_hash(password), salt)
}

/// The hash to send in `'R'`, from the value stored in `pcp.conf` (what the server computes).
pub fn auth_hash_from_stored(user: &str, stored: &str, salt: [u8; 4]) -> String {
    let user_hash = md5_hex(&[stored.as_bytes(), user.as_bytes()]);
    md5_hex(&[user_hash.as_bytes(), &salt])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector captured from Pgpool 4.3.5's own client (spec section 4.2).
    #[test]
    fn known_answer() {
        let salt = [0xee, 0x81, 0x62, 0x2f];
        assert_eq!(password_hash("secret"), "5ebe2294ecd0e0f08eab7690d2a6ee69");
        assert_eq!(
            md5_hex(&[b"5ebe2294ecd0e0f08eab7690d2a6ee69", b"pcpadmin"]),
            "68c7371bd7d16569ae18947b0820229b"
        );
        assert_eq!(
            auth_hash("pcpadmin", "secret", salt),
            "a3c9f5085af3bc91b4bff1e5593007ba"
        );
    }
}
