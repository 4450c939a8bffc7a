//! Organization profiles: the closed sets of body and office kinds, country codes and
//! website addresses.

closed_set! {
    "snake_case",
    /// What a body of an organization is.
    pub enum BodyKind {
        /// The supreme decision-making body (an assembly of members).
        GoverningBody,
        /// An executive board or committee elected by the governing body.
        ExecutiveCommittee,
        /// The permanent staff that runs day-to-day activities.
        Secretariat,
        /// A national office in each member country.
        NationalBureau,
        /// A committee or commission with a specific mandate.
        Committee,
        /// A body that gives advice without deciding.
        AdvisoryBody,
        /// Anything else.
        Other,
    }
}

closed_set! {
    "snake_case",
    /// What an office of an organization is.
    pub enum OfficeKind {
        Headquarters,
        InnovationCentre,
        RegionalOffice,
        SatelliteOffice,
        LiaisonOffice,
        Other,
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case, officially assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(code: String) -> Result<Self, String> {
        let upper = code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase());
        if upper && isocountry::CountryCode::for_alpha2(&code).is_ok() {
            Ok(Self(code))
        } else {
            Err("must be an ISO 3166-1 alpha-2 country code such as FR or SG".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl utoipa::PartialSchema for CountryCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^[A-Z]{2}$"))
            .examples(["FR"])
            .into()
    }
}

impl utoipa::ToSchema for CountryCode {}

/// An absolute http or https URL with a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Website(String);

impl Website {
    pub fn parse(address: String) -> Result<Self, String> {
        const FORM: &str = "must be an absolute http or https URL such as https://www.interpol.int";
        let url = url::Url::parse(&address).map_err(|_| FORM.to_owned())?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none_or(str::is_empty)
            || address.len() > MAX_WEBSITE
        {
            return Err(FORM.into());
        }
        Ok(Self(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl utoipa::PartialSchema for Website {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(MAX_WEBSITE))
            .pattern(Some(
                r"^[hH][tT][tT][pP][sS]?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,4})?([/?#][!-~]*)?$",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Website {}

const MAX_WEBSITE: usize = 2_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_the_same_names_in_json_and_in_the_database() {
        use strum::VariantNames;
        assert_eq!(BodyKind::GoverningBody.to_string(), "governing_body");
        assert_eq!("innovation_centre".parse(), Ok(OfficeKind::InnovationCentre));
        assert!("castle".parse::<OfficeKind>().is_err());
        for name in BodyKind::VARIANTS {
            assert_eq!(serde_json::to_value(name.parse::<BodyKind>().unwrap()).unwrap(), *name);
        }
        for name in OfficeKind::VARIANTS {
            assert_eq!(serde_json::to_value(name.parse::<OfficeKind>().unwrap()).unwrap(), *name);
        }
    }

    #[test]
    fn countries() {
        for good in ["FR", "SG", "US"] {
            assert!(CountryCode::parse(good.into()).is_ok(), "{good}");
        }
        for bad in ["fr", "XX", "FRA", "F", "", "ÉÉ"] {
            assert!(CountryCode::parse(bad.into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn websites() {
        assert!(Website::parse("https://www.interpol.int/en".into()).is_ok());
        for bad in ["www.interpol.int", "javascript:alert(1)", "ftp://x.org", "https://", "not a url"] {
            assert!(Website::parse(bad.into()).is_err(), "{bad}");
        }
    }
}
