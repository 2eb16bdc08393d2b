//! Source-address allow-list. Section 10 («Ответный сервис») names the gateway's addresses
//! (10.86.6.189 and 10.86.6.237 at the time of writing); they are configuration, not code, so this
//! type parses them from a string such as an environment variable.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// A malformed allow-list entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowListError {
    /// The address part is not an IPv4 or IPv6 address.
    #[error("allow-list entry {entry:?}: {address:?} is not an IP address")]
    BadAddress {
        /// The whole entry.
        entry: String,
        /// The address part.
        address: String,
    },
    /// The prefix length is not a number or too long for the address family.
    #[error("allow-list entry {entry:?}: prefix length must be 0..={max}")]
    BadPrefix {
        /// The whole entry.
        entry: String,
        /// 32 for IPv4, 128 for IPv6.
        max: u8,
    },
}

/// One allowed network: an address with a prefix length (`10.86.6.189` is `10.86.6.189/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNetwork {
    address: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    /// Whether `ip` lies in this network. IPv4-mapped IPv6 addresses (`::ffff:10.86.6.189`) match
    /// their IPv4 form.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_matches(u32::from(net).into(), u32::from(ip).into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_matches(u128::from(net), u128::from(ip), self.prefix, 128),
            _ => false,
        }
    }
}

fn prefix_matches(net: u128, ip: u128, prefix: u8, bits: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let shift = u32::from(bits - prefix);
    (net >> shift) == (ip >> shift)
}

impl FromStr for IpNetwork {
    type Err = AllowListError;

    fn from_str(entry: &str) -> Result<Self, Self::Err> {
        let entry = entry.trim();
        let (address_part, prefix_part) = match entry.split_once('/') {
            Some((a, p)) => (a.trim(), Some(p.trim())),
            None => (entry, None),
        };
        let address: IpAddr = address_part
            .parse()
            .map_err(|_| AllowListError::BadAddress { entry: entry.to_owned(), address: address_part.to_owned() })?;
        let address = address.to_canonical();
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_part {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| AllowListError::BadPrefix { entry: entry.to_owned(), max })?,
        };
        Ok(IpNetwork { address, prefix })
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// The source addresses allowed to call the webhook; calls from elsewhere get 403.
///
/// Parsed from a list of addresses and CIDR networks separated by commas or whitespace:
///
/// ```
/// use fer_webhook::AllowList;
/// let list: AllowList = "10.86.6.189, 10.86.6.237 192.168.0.0/16".parse().unwrap();
/// assert!(list.allows("10.86.6.237".parse().unwrap()));
/// assert!(list.allows("192.168.7.1".parse().unwrap()));
/// assert!(list.allows("::ffff:10.86.6.189".parse().unwrap()));
/// assert!(!list.allows("10.86.6.190".parse().unwrap()));
/// assert!("10.86.6.300".parse::<AllowList>().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    networks: Vec<IpNetwork>,
}

impl AllowList {
    /// A list of the given networks.
    pub fn new(networks: impl IntoIterator<Item = IpNetwork>) -> Self {
        AllowList { networks: networks.into_iter().collect() }
    }

    /// Whether `ip` is in one of the networks. An empty list allows nothing.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(ip))
    }

    /// The networks.
    pub fn networks(&self) -> &[IpNetwork] {
        &self.networks
    }
}

impl FromStr for AllowList {
    type Err = AllowListError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let networks = s
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AllowList { networks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_and_single_addresses() {
        let list: AllowList = "10.0.0.0/8 127.0.0.1 2001:db8::/32".parse().unwrap();
        assert!(list.allows(ip("10.255.1.2")));
        assert!(!list.allows(ip("11.0.0.1")));
        assert!(list.allows(ip("127.0.0.1")));
        assert!(!list.allows(ip("127.0.0.2")));
        assert!(list.allows(ip("2001:db8:1::5")));
        assert!(!list.allows(ip("2001:db9::1")));
        assert!(!list.allows(ip("::1")));
    }

    #[test]
    fn zero_prefix_allows_the_whole_family() {
        let list: AllowList = "0.0.0.0/0".parse().unwrap();
        assert!(list.allows(ip("8.8.8.8")));
        assert!(!list.allows(ip("::2")));
    }

    #[test]
    fn empty_list_allows_nothing() {
        let list: AllowList = " , ".parse().unwrap();
        assert!(list.networks().is_empty());
        assert!(!list.allows(ip("10.86.6.189")));
    }

    #[test]
    fn bad_entries_are_named() {
        assert_eq!(
            "10.86.6.189, gateway".parse::<AllowList>().unwrap_err(),
            AllowListError::BadAddress { entry: "gateway".into(), address: "gateway".into() }
        );
        assert_eq!(
            "10.0.0.0/33".parse::<AllowList>().unwrap_err(),
            AllowListError::BadPrefix { entry: "10.0.0.0/33".into(), max: 32 }
        );
        assert!("::1/129".parse::<AllowList>().is_err());
        assert!("::1/x".parse::<AllowList>().is_err());
        assert_eq!("10.1.2.3/24".parse::<IpNetwork>().unwrap().to_string(), "10.1.2.3/24");
    }
}
