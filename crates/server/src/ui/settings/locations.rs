//! `/ui/settings/locations`: the list, a location's page (its settings, its shipping
//! zones, taking it out of routing and archiving it) and a new one. The same store
//! calls and core parsing as the API's catalog and routing handlers.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::catalog::{AddressInput, LocationInput, LocationKind};
use switchyard_core::order::ServiceLevel;
use switchyard_core::routing::zone::ZoneInput;
use switchyard_core::validation::{FieldError, Validator, whole_number};
use switchyard_core::{Currency, Money};
use switchyard_store::catalog::{CatalogFilter, Location};
use switchyard_store::{Page, PageRequest};

use super::{Choice, given, parsed, read, refused_fields};
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Chrome, Errors, Staff, error_page, failed, render, render_status, see_other};

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    archived: bool,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "ui/settings/locations.html")]
struct List {
    chrome: Chrome,
    page: Page<Location>,
    archived: bool,
}

/// `GET /ui/settings/locations`
pub async fn list(staff: Staff, State(s): State<AppState>, Query(q): Query<ListQuery>) -> Response {
    let filter = CatalogFilter {
        q: None,
        include_archived: q.archived,
        updated_since: None,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: None,
    };
    match s.store.list_locations(&filter, &page).await {
        Ok(page) => render(&List {
            chrome: staff.chrome("settings"),
            page,
            archived: q.archived,
        }),
        Err(e) => failed(e),
    }
}

/// The location form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct LocationForm {
    code: String,
    name: String,
    kind: String,
    address_name: String,
    address_company: String,
    address_line1: String,
    address_line2: String,
    address_city: String,
    address_region: String,
    address_postal_code: String,
    address_country: String,
    address_phone: String,
    timezone: String,
    priority: String,
    cutoff: String,
    handling_days: String,
    ships_to_customers: Option<String>,
    allows_pickup: Option<String>,
}

impl LocationForm {
    fn of(l: &Location) -> LocationForm {
        let a = &l.address;
        let text = |o: &Option<String>| o.clone().unwrap_or_default();
        LocationForm {
            code: l.code.clone(),
            name: l.name.clone(),
            kind: l.kind.as_str().to_owned(),
            address_name: a.name.clone(),
            address_company: text(&a.company),
            address_line1: a.line1.clone(),
            address_line2: text(&a.line2),
            address_city: a.city.clone(),
            address_region: text(&a.region),
            address_postal_code: text(&a.postal_code),
            address_country: a.country.clone(),
            address_phone: text(&a.phone),
            timezone: l.timezone.clone(),
            priority: l.priority.to_string(),
            cutoff: l.cutoff.clone(),
            handling_days: l.handling_days.to_string(),
            ships_to_customers: l.ships_to_customers.then(String::new),
            allows_pickup: l.allows_pickup.then(String::new),
        }
    }

    /// A new location starts shipping to customers.
    fn blank() -> LocationForm {
        LocationForm {
            ships_to_customers: Some(String::new()),
            ..LocationForm::default()
        }
    }

    fn kinds(&self) -> Vec<Choice> {
        Choice::all(LocationKind::ALL.iter().map(|k| k.as_str()), &self.kind)
    }

    /// The form as the API's input (the code only for a new location).
    fn input(&self, new: bool) -> Result<LocationInput, Vec<FieldError>> {
        let mut v = Validator::new();
        let input = LocationInput {
            code: if new { given(&self.code) } else { None },
            name: given(&self.name),
            kind: parsed(&mut v, "/kind", &self.kind, LocationKind::parse),
            address: Some(AddressInput {
                name: given(&self.address_name),
                company: given(&self.address_company),
                line1: given(&self.address_line1),
                line2: given(&self.address_line2),
                city: given(&self.address_city),
                region: given(&self.address_region),
                postal_code: given(&self.address_postal_code),
                country: given(&self.address_country),
                phone: given(&self.address_phone),
            }),
            latitude: None,
            longitude: None,
            priority: parsed(&mut v, "/priority", &self.priority, whole_number),
            timezone: given(&self.timezone),
            cutoff: given(&self.cutoff),
            handling_days: parsed(&mut v, "/handling_days", &self.handling_days, whole_number),
            ships_to_customers: Some(self.ships_to_customers.is_some()),
            allows_pickup: Some(self.allows_pickup.is_some()),
        };
        read(v).map(|()| input)
    }
}

/// The zone form as typed; `index` is the zone it changes, none to add one.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ZoneForm {
    index: String,
    country: String,
    region: String,
    postal_prefix: String,
    service_level: String,
    currency: String,
    cost_per_shipment: String,
    cost_per_kg: String,
    transit_days: String,
}

impl ZoneForm {
    fn of(l: &Location, index: usize) -> Option<ZoneForm> {
        let z = l.zones.get(index)?;
        Some(ZoneForm {
            index: index.to_string(),
            country: z.country.clone(),
            region: z.region.clone().unwrap_or_default(),
            postal_prefix: z.postal_prefix.clone().unwrap_or_default(),
            service_level: z.service_level.as_str().to_owned(),
            currency: z.cost_per_shipment.currency.to_string(),
            cost_per_shipment: z.cost_per_shipment.decimal(),
            cost_per_kg: z.cost_per_kg.decimal(),
            transit_days: z.transit_days.to_string(),
        })
    }

    fn levels(&self) -> Vec<Choice> {
        Choice::all(ServiceLevel::ALL.iter().map(|l| l.as_str()), &self.service_level)
    }

    /// The zone as the API's input.
    fn input(&self) -> Result<ZoneInput, Vec<FieldError>> {
        let mut v = Validator::new();
        let currency = parsed(&mut v, "/currency", &self.currency, Currency::parse);
        let mut money = |field: &str, raw: &str| match currency {
            Some(c) => parsed(&mut v, field, raw, |t| Money::from_decimal(t, c)),
            None => None,
        };
        let cost_per_shipment = money("/cost_per_shipment", &self.cost_per_shipment);
        let cost_per_kg = money("/cost_per_kg", &self.cost_per_kg);
        if currency.is_none() && given(&self.cost_per_shipment).is_some() {
            v.require("/currency", currency);
        }
        let input = ZoneInput {
            country: given(&self.country),
            region: given(&self.region),
            postal_prefix: given(&self.postal_prefix),
            service_level: parsed(&mut v, "/service_level", &self.service_level, ServiceLevel::parse),
            cost_per_shipment,
            cost_per_kg,
            transit_days: parsed(&mut v, "/transit_days", &self.transit_days, whole_number),
        };
        read(v).map(|()| input)
    }
}

#[derive(Template)]
#[template(path = "ui/settings/location.html")]
struct LocationPage {
    chrome: Chrome,
    /// None for a new location.
    location: Option<Location>,
    form: LocationForm,
    errors: Errors,
    zone: ZoneForm,
    zone_errors: Errors,
    done: Option<String>,
}

impl LocationPage {
    fn action(&self) -> String {
        match &self.location {
            Some(l) => format!("/ui/settings/locations/{}", l.code),
            None => "/ui/settings/locations".to_owned(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    done: Option<String>,
    zone: Option<usize>,
}

/// `GET /ui/settings/locations/new`
pub async fn new(staff: Staff<perm::ManageCatalog>) -> Response {
    render(&LocationPage {
        chrome: staff.chrome("settings"),
        location: None,
        form: LocationForm::blank(),
        errors: Errors::default(),
        zone: ZoneForm::default(),
        zone_errors: Errors::default(),
        done: None,
    })
}

/// `POST /ui/settings/locations`
pub async fn create(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LocationForm>,
) -> Response {
    let created = match form.input(true).and_then(|input| input.parse()) {
        Ok(draft) => s.store.create_location(&draft).await.map_err(Errors::from_store),
        Err(errors) => Err(Errors::fields(&errors)),
    };
    match created {
        Ok(l) => {
            staff.audit(&s, "location_created", &l.code, &l.name).await;
            see_other(&headers, &format!("/ui/settings/locations/{}?done=created", l.code))
        }
        Err(errors) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &LocationPage {
                chrome: staff.chrome("settings"),
                location: None,
                form,
                errors,
                zone: ZoneForm::default(),
                zone_errors: Errors::default(),
                done: None,
            },
        ),
    }
}

/// `GET /ui/settings/locations/{code}`
pub async fn page(
    staff: Staff,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let location = match s.store.location(&code).await {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let zone = q.zone.and_then(|i| ZoneForm::of(&location, i)).unwrap_or_default();
    render(&LocationPage {
        chrome: staff.chrome("settings"),
        form: LocationForm::of(&location),
        location: Some(location),
        errors: Errors::default(),
        zone,
        zone_errors: Errors::default(),
        done: q.done,
    })
}

/// Re-renders a location's page with a refused form (422).
fn refused(
    staff: &Staff<perm::ManageCatalog>,
    location: Location,
    form: Option<LocationForm>,
    errors: Errors,
    zone: Option<(ZoneForm, Errors)>,
) -> Response {
    let (zone, zone_errors) = zone.unwrap_or_default();
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &LocationPage {
            chrome: staff.chrome("settings"),
            form: form.unwrap_or_else(|| LocationForm::of(&location)),
            location: Some(location),
            errors,
            zone,
            zone_errors,
            done: None,
        },
    )
}

/// `POST /ui/settings/locations/{code}`: changes its settings.
pub async fn update(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(form): Form<LocationForm>,
) -> Response {
    let changed = match form.input(false) {
        Ok(patch) => s.store.update_location(&code, &patch).await.map_err(Errors::from_store),
        Err(errors) => Err(Errors::fields(&errors)),
    };
    match changed {
        Ok(l) => {
            let detail = format!(
                "cut-off {}, priority {}, handling {} days",
                l.cutoff, l.priority, l.handling_days
            );
            staff.audit(&s, "location_changed", &l.code, &detail).await;
            see_other(&headers, &format!("/ui/settings/locations/{}?done=saved", l.code))
        }
        Err(errors) => match s.store.location(&code).await {
            Ok(location) => refused(&staff, location, Some(form), errors, None),
            Err(e) => failed(e),
        },
    }
}

/// `POST /ui/settings/locations/{code}/zones`: adds a zone, or changes the one `index` names.
pub async fn save_zone(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(form): Form<ZoneForm>,
) -> Response {
    let location = match s.store.location(&code).await {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let mut zones: Vec<ZoneInput> = location.zones.iter().map(ZoneInput::from).collect();
    let index = match form.index.parse::<usize>() {
        Ok(i) if i < zones.len() => i,
        _ => zones.len(),
    };
    let saved = match form.input() {
        Ok(zone) => {
            if index < zones.len() {
                zones[index] = zone;
            } else {
                zones.push(zone);
            }
            s.store.set_zones(&code, &zones).await.map_err(|e| {
                let prefix = format!("/{index}");
                refused_fields(e, |f| f.strip_prefix(&prefix).map(str::to_owned))
            })
        }
        Err(errors) => Err(Errors::fields(&errors)),
    };
    match saved {
        Ok(l) => {
            let detail = format!(
                "{} {} {}",
                form.country.trim(),
                form.postal_prefix.trim(),
                form.service_level
            )
            .trim()
            .to_owned();
            staff.audit(&s, "zone_saved", &l.code, &detail).await;
            see_other(&headers, &format!("/ui/settings/locations/{}?done=zone", l.code))
        }
        Err(errors) => refused(&staff, location, None, Errors::default(), Some((form, errors))),
    }
}

/// `POST /ui/settings/locations/{code}/zones/{index}/remove`
pub async fn remove_zone(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((code, index)): Path<(String, usize)>,
) -> Response {
    let location = match s.store.location(&code).await {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    if index >= location.zones.len() {
        return error_page(
            StatusCode::NOT_FOUND,
            "No such zone",
            "That zone is not on this location any more.",
        );
    }
    let zones: Vec<ZoneInput> = location
        .zones
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, z)| ZoneInput::from(z))
        .collect();
    match s.store.set_zones(&code, &zones).await {
        Ok(l) => {
            let z = &location.zones[index];
            let detail = format!("{} {}", z.country, z.service_level.as_str());
            staff.audit(&s, "zone_removed", &l.code, &detail).await;
            see_other(
                &headers,
                &format!("/ui/settings/locations/{}?done=zone_removed", l.code),
            )
        }
        Err(e) => failed(e),
    }
}

/// `POST /ui/settings/locations/{code}/{disable|enable|archive}`
pub async fn act(
    staff: Staff<perm::ManageCatalog>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((code, action)): Path<(String, String)>,
) -> Response {
    let done = match action.as_str() {
        "disable" => s.store.disable_location(&code, &staff.user().name).await,
        "enable" => s.store.enable_location(&code).await,
        "archive" => s.store.archive_location(&code).await,
        _ => return error_page(StatusCode::NOT_FOUND, "Page not found", "There is no such page."),
    };
    match done {
        Ok(l) => {
            staff.audit(&s, &format!("location_{action}d"), &l.code, "").await;
            see_other(&headers, &format!("/ui/settings/locations/{}?done={action}d", l.code))
        }
        Err(e) => failed(e),
    }
}
