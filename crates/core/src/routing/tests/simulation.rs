//! A hypothetical order to route, as a client sends it.

use super::*;

fn simulation(lines: Vec<SimulationLineInput>) -> SimulationInput {
    SimulationInput {
        channel: Some("web".into()),
        destination: Some(DestinationInput {
            country: Some("gb".into()),
            region: None,
            postal_code: Some(" LS1 4AP ".into()),
        }),
        lines: Some(lines),
        ..SimulationInput::default()
    }
}

#[test]
fn a_simulation_routes_one_line_or_more_and_names_what_is_missing() {
    let line = SimulationLineInput {
        sku: Some("TEE-BLA-M".into()),
        quantity: Some(2),
    };
    let draft = simulation(vec![line]).parse().unwrap();
    assert_eq!(
        (
            draft.channel.as_str(),
            draft.country.as_str(),
            draft.postal_code.as_deref()
        ),
        ("web", "GB", Some("LS1 4AP"))
    );
    assert_eq!(draft.service_level, crate::order::ServiceLevel::Standard);
    assert_eq!((draft.currency, draft.region), (None, None));
    assert_eq!(draft.lines, vec![("TEE-BLA-M".to_owned(), 2)]);

    let errors = simulation(Vec::new()).parse().unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].field.as_str(), errors[0].code, errors[0].message.as_str()),
        ("/lines", "required", "needs at least one line")
    );
    let none = SimulationInput::default().parse().unwrap_err();
    let fields: Vec<&str> = none.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["/channel", "/destination", "/lines"]);
}
