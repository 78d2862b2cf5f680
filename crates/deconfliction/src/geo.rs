//! Distances on the sphere and the latitude/longitude box that holds a circle.

use crate::LatLon;

/// The sphere's radius: the conventional mean Earth radius, as the simulator uses.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// Great-circle distance by the haversine formula, in metres.
pub fn haversine_m(first: LatLon, second: LatLon) -> f64 {
    let (phi1, phi2) = (first.lat.to_radians(), second.lat.to_radians());
    let delta_phi = (second.lat - first.lat).to_radians();
    let delta_lambda = (second.lon - first.lon).to_radians();
    let a = (delta_phi / 2.0).sin().powi(2)
        + phi1.cos() * phi2.cos() * (delta_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// A latitude/longitude box, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

/// A box that holds every point within `radius_m` of `centre`.
///
/// Latitude: the radius as an angle along the meridian. Longitude: the same angle
/// divided by the cosine of the latitude farthest from the equator the circle reaches
/// (parallels are shortest there), which over-covers slightly — the exact test comes
/// after. A tiny relative margin keeps rounding from cutting a touching pair.
pub(crate) fn bounding_box(centre: LatLon, radius_m: f64) -> BoundingBox {
    let angle_deg = (radius_m / EARTH_RADIUS_M).to_degrees() * (1.0 + 1e-9);
    let farthest_lat = (centre.lat.abs() + angle_deg).min(89.999_999);
    let lon_deg = angle_deg / farthest_lat.to_radians().cos();
    BoundingBox {
        min_lat: centre.lat - angle_deg,
        max_lat: centre.lat + angle_deg,
        min_lon: centre.lon - lon_deg,
        max_lon: centre.lon + lon_deg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let distance = haversine_m(
            LatLon {
                lat: 34.0,
                lon: -118.0,
            },
            LatLon {
                lat: 35.0,
                lon: -118.0,
            },
        );
        assert!((distance - 111_194.9).abs() < 1.0, "{distance}");
    }

    #[test]
    fn the_box_holds_the_circle() {
        let centre = LatLon {
            lat: 37.77,
            lon: -122.42,
        };
        let bounds = bounding_box(centre, 1_000.0);
        for step in 0..360 {
            // A point 999.9 m away in each direction lies inside the box.
            let bearing = f64::from(step).to_radians();
            let angle = 999.9 / EARTH_RADIUS_M;
            let (phi, lambda) = (centre.lat.to_radians(), centre.lon.to_radians());
            let phi2 = (phi.sin() * angle.cos() + phi.cos() * angle.sin() * bearing.cos()).asin();
            let lambda2 = lambda
                + (bearing.sin() * angle.sin() * phi.cos())
                    .atan2(angle.cos() - phi.sin() * phi2.sin());
            let (lat, lon) = (phi2.to_degrees(), lambda2.to_degrees());
            assert!(
                (bounds.min_lat..=bounds.max_lat).contains(&lat)
                    && (bounds.min_lon..=bounds.max_lon).contains(&lon),
                "bearing {step}: {lat},{lon} outside {bounds:?}"
            );
        }
    }
}
