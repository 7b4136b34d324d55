//! Epoch propagation of a star's astrometric parameters: the rigorous model of
//! the Hipparcos and Gaia catalogues (ESA SP-1200, Vol. 1, §1.5.5), in which
//! the star moves on a straight line in space at constant velocity, so that
//! position, parallax, proper motion and radial velocity all change with time.
//! What `ivo_epoch_prop`, `ivo_epoch_prop_pos` and `ivo_apply_pm` compute.

use crate::vector::{normalize_ra, Vec3};

/// The astronomical unit in km × the Julian year in s: a radial velocity in
/// km/s times a parallax in mas, divided by this, is a proper motion in mas/yr.
pub const AU_KM_YEAR_PER_S: f64 = 4.740_470_463_533_348;

const MAS_PER_RAD: f64 = 180.0 * 3_600_000.0 / std::f64::consts::PI;

/// A star's astrometric parameters at one epoch, in the units of the
/// Gaia archive and the IVOA UDF catalogue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Astrometry {
    /// Right ascension, degrees.
    pub ra: f64,
    /// Declination, degrees.
    pub dec: f64,
    /// Parallax, mas (0 for a star at infinite distance).
    pub parallax: f64,
    /// Proper motion in right ascension, times cos(dec), mas/yr.
    pub pmra: f64,
    /// Proper motion in declination, mas/yr.
    pub pmdec: f64,
    /// Radial velocity, km/s, positive receding.
    pub radial_velocity: f64,
}

/// The unit vectors towards increasing RA and Dec at `r` (the normal triad
/// p, q of SP-1200), from RA and Dec in radians.
fn triad(ra: f64, dec: f64) -> (Vec3, Vec3, Vec3) {
    let (sa, ca) = ra.sin_cos();
    let (sd, cd) = dec.sin_cos();
    (
        Vec3::new(-sa, ca, 0.0),
        Vec3::new(-sd * ca, -sd * sa, cd),
        Vec3::new(cd * ca, cd * sa, sd),
    )
}

impl Astrometry {
    /// The parameters `years` Julian years later (earlier if negative).
    ///
    /// A parallax of zero or less is a star at infinite distance: its radial
    /// velocity cannot move it on the sky and is carried over unchanged.
    pub fn propagate(&self, years: f64) -> Astrometry {
        let (p, q, r) = triad(self.ra.to_radians(), self.dec.to_radians());
        let finite_distance = self.parallax > 0.0;
        // Proper motions in rad/yr, so that products with years are angles.
        let pm_ra = self.pmra / MAS_PER_RAD;
        let pm_dec = self.pmdec / MAS_PER_RAD;
        let pm_radial = if finite_distance {
            self.radial_velocity * self.parallax / AU_KM_YEAR_PER_S / MAS_PER_RAD
        } else {
            0.0
        };
        let pm_vector = p.scale(pm_ra).plus(q.scale(pm_dec));
        let pm_total_sq = pm_ra * pm_ra + pm_dec * pm_dec;
        let t = years;
        let stretch = 1.0 + 2.0 * pm_radial * t + (pm_total_sq + pm_radial * pm_radial) * t * t;
        let f = 1.0 / stretch.sqrt();
        let u = r
            .scale(1.0 + pm_radial * t)
            .plus(pm_vector.scale(t))
            .scale(f);
        let pm_new = pm_vector
            .scale(1.0 + pm_radial * t)
            .minus(r.scale(pm_total_sq * t))
            .scale(f * f * f);
        let pm_radial_new = (pm_radial + (pm_total_sq + pm_radial * pm_radial) * t) * f * f;
        let (ra, dec) = u.to_radec();
        let (p1, q1, _) = triad(ra.to_radians(), dec.to_radians());
        let parallax = self.parallax * f;
        Astrometry {
            ra: normalize_ra(ra),
            dec,
            parallax,
            pmra: p1.dot(pm_new) * MAS_PER_RAD,
            pmdec: q1.dot(pm_new) * MAS_PER_RAD,
            radial_velocity: if finite_distance {
                pm_radial_new * MAS_PER_RAD * AU_KM_YEAR_PER_S / parallax
            } else {
                self.radial_velocity
            },
        }
    }
}

/// Where a star at (`ra`, `dec`) with proper motion `pmra` (times cos dec)
/// and `pmdec`, in **degrees** per Julian year as `ivo_apply_pm` takes them,
/// is `years` later: a straight line in space at infinite distance.
pub fn apply_proper_motion(ra: f64, dec: f64, pmra: f64, pmdec: f64, years: f64) -> (f64, f64) {
    let moved = Astrometry {
        ra,
        dec,
        parallax: 0.0,
        pmra: pmra * 3_600_000.0,
        pmdec: pmdec * 3_600_000.0,
        radial_velocity: 0.0,
    }
    .propagate(years);
    (moved.ra, moved.dec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn barnard() -> Astrometry {
        // Barnard's star, Gaia DR3 at J2016.0.
        Astrometry {
            ra: 269.448_502_844_5,
            dec: 4.739_420_051_3,
            parallax: 546.975_939_730_948_6,
            pmra: -801.551_121_153_491_3,
            pmdec: 10_362.394_206_546_573,
            radial_velocity: -110.468_307_495_117_19,
        }
    }

    #[test]
    fn no_time_no_change() {
        let b = barnard();
        let same = b.propagate(0.0);
        assert!((same.ra - b.ra).abs() < 1e-12 && (same.dec - b.dec).abs() < 1e-12);
        assert!((same.pmra - b.pmra).abs() < 1e-9 && (same.pmdec - b.pmdec).abs() < 1e-9);
        assert!((same.radial_velocity - b.radial_velocity).abs() < 1e-9);
    }

    #[test]
    fn there_and_back() {
        let b = barnard();
        let back = b.propagate(250.0).propagate(-250.0);
        assert!((back.ra - b.ra).abs() < 1e-10 && (back.dec - b.dec).abs() < 1e-10);
        assert!((back.parallax - b.parallax).abs() < 1e-9);
        assert!((back.pmdec - b.pmdec).abs() < 1e-7);
        assert!((back.radial_velocity - b.radial_velocity).abs() < 1e-7);
    }

    #[test]
    fn barnards_star_approaches() {
        // Closest approach in about 9,800 years: parallax grows meanwhile, and
        // the radial velocity tends to zero there.
        let b = barnard();
        let later = b.propagate(5_000.0);
        assert!(later.parallax > b.parallax);
        assert!(later.radial_velocity.abs() < b.radial_velocity.abs());
        // astropy's apply_space_motion puts it at Dec 7.80450° in 3016 (it
        // adds light-time, 0.1″ here).
        let soon = b.propagate(1_000.0);
        assert!((soon.dec - 7.804_50).abs() < 1e-4, "{}", soon.dec);
    }

    #[test]
    fn across_the_pole_and_the_seam() {
        let (ra, dec) = apply_proper_motion(0.0, 89.999, 0.0, 0.001, 2.0);
        assert!(
            (dec - 89.999).abs() < 1e-6 && (ra - 180.0).abs() < 1e-6,
            "{ra} {dec}"
        );
        let (ra, _) = apply_proper_motion(359.9995, 0.0, 0.001, 0.0, 1.0);
        assert!((ra - 0.0005).abs() < 1e-9, "{ra}");
    }
}
