//! ISO 3166-1 alpha-2 country codes.

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, plus `EU`, which ISO reserves
/// exceptionally for the European Union: EU bodies such as Europol's EU IRU are participants
/// without a member state of their own.
pub const CODES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "EU", "FI", "FJ", "FK", "FM", "FO", "FR",
    "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY",
    "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO",
    "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS",
    "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR",
    "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU",
    "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO",
    "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV",
    "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT",
    "ZA", "ZM", "ZW",
];

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses a code, accepting lower case (`fr` → `FR`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let upper = text.trim().to_ascii_uppercase();
        match CODES.binary_search(&upper.as_str()) {
            Ok(_) => {
                let bytes = upper.as_bytes();
                Ok(Self([bytes[0], bytes[1]]))
            }
            Err(_) => Err("must be an ISO 3166-1 alpha-2 country code such as FR, or EU".into()),
        }
    }

    /// Whether it is one of the 27 member states of the European Union (TCO removal orders are
    /// issued by their competent authorities).
    pub fn is_eu_member_state(&self) -> bool {
        const MEMBER_STATES: [&str; 27] = [
            "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
            "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
        ];
        MEMBER_STATES.contains(&self.as_str())
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters from CODES ever get in.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete() {
        assert!(CODES.windows(2).all(|pair| pair[0] < pair[1]), "CODES must stay sorted for binary search");
        assert_eq!(CODES.len(), 250);
    }

    #[test]
    fn parses() {
        assert_eq!(CountryCode::parse("fr").unwrap().as_str(), "FR");
        assert_eq!(CountryCode::parse("EU").unwrap().as_str(), "EU");
        assert!(CountryCode::parse("fr").unwrap().is_eu_member_state());
        assert!(!CountryCode::parse("EU").unwrap().is_eu_member_state());
        assert!(!CountryCode::parse("GB").unwrap().is_eu_member_state());
        for bad in ["", "F", "FRA", "XX", "ZZ", "é"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
