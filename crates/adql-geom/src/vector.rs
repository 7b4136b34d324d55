//! Unit vectors on the sphere and their conversion from and to degrees.

/// A 3-vector; on the unit sphere for positions, any length for normals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vec3 {
    /// x, towards RA 0, Dec 0.
    pub x: f64,
    /// y, towards RA 90, Dec 0.
    pub y: f64,
    /// z, towards Dec +90.
    pub z: f64,
}

impl Vec3 {
    /// A vector from its components.
    pub const fn new(x: f64, y: f64, z: f64) -> Self {
        Vec3 { x, y, z }
    }

    /// The unit vector of (RA, Dec) in degrees.
    pub fn from_radec(ra: f64, dec: f64) -> Self {
        let (sr, cr) = ra.to_radians().sin_cos();
        let (sd, cd) = dec.to_radians().sin_cos();
        Vec3::new(cd * cr, cd * sr, sd)
    }

    /// (RA in [0, 360), Dec in [-90, 90]) in degrees of a non-zero vector.
    pub fn to_radec(self) -> (f64, f64) {
        let rho = self.x.hypot(self.y);
        let dec = self.z.atan2(rho).to_degrees();
        let ra = if rho == 0.0 {
            0.0
        } else {
            normalize_ra(self.y.atan2(self.x).to_degrees())
        };
        (ra, dec)
    }

    /// Dot product.
    #[inline]
    pub fn dot(self, o: Vec3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }

    /// Cross product.
    #[inline]
    pub fn cross(self, o: Vec3) -> Vec3 {
        Vec3::new(
            self.y * o.z - self.z * o.y,
            self.z * o.x - self.x * o.z,
            self.x * o.y - self.y * o.x,
        )
    }

    /// Euclidean length.
    #[inline]
    pub fn norm(self) -> f64 {
        self.dot(self).sqrt()
    }

    /// This vector scaled to unit length (a zero vector stays zero).
    pub fn normalized(self) -> Vec3 {
        let n = self.norm();
        if n == 0.0 {
            self
        } else {
            self.scale(1.0 / n)
        }
    }

    /// Multiplied by `k`.
    #[inline]
    pub fn scale(self, k: f64) -> Vec3 {
        Vec3::new(self.x * k, self.y * k, self.z * k)
    }

    /// Sum.
    #[inline]
    pub fn plus(self, o: Vec3) -> Vec3 {
        Vec3::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }

    /// Difference.
    #[inline]
    pub fn minus(self, o: Vec3) -> Vec3 {
        Vec3::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }

    /// The opposite direction.
    pub fn negated(self) -> Vec3 {
        Vec3::new(-self.x, -self.y, -self.z)
    }

    /// The angle to `o` in radians, accurate for tiny and for nearly antipodal
    /// separations (atan2 of the cross and dot products).
    pub fn angle(self, o: Vec3) -> f64 {
        self.cross(o).norm().atan2(self.dot(o))
    }

    pub(crate) fn to_s2(self) -> s2::point::Point {
        s2::point::Point::from_coords(self.x, self.y, self.z)
    }
}

/// RA brought into [0, 360).
pub fn normalize_ra(ra: f64) -> f64 {
    if (0.0..360.0).contains(&ra) {
        return ra;
    }
    let r = ra.rem_euclid(360.0);
    // rem_euclid can return 360.0 for tiny negative inputs.
    if r >= 360.0 {
        0.0
    } else {
        r
    }
}

/// A 3×3 rotation matrix, row-major.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Matrix3(pub [[f64; 3]; 3]);

impl Matrix3 {
    /// The rotation of the frame about axis `axis` (0 = x, 1 = y, 2 = z) by
    /// `degrees`, in the convention of coordinate-frame rotations (the vector's
    /// components in the rotated frame).
    pub fn frame_rotation(axis: usize, degrees: f64) -> Matrix3 {
        let (s, c) = degrees.to_radians().sin_cos();
        let m = match axis {
            0 => [[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]],
            1 => [[c, 0.0, -s], [0.0, 1.0, 0.0], [s, 0.0, c]],
            _ => [[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]],
        };
        Matrix3(m)
    }

    /// The product `self · o`.
    pub fn mul(&self, o: &Matrix3) -> Matrix3 {
        let mut r = [[0.0; 3]; 3];
        for (i, row) in r.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = (0..3).map(|k| self.0[i][k] * o.0[k][j]).sum();
            }
        }
        Matrix3(r)
    }

    /// The transpose (the inverse of a rotation).
    pub fn transpose(&self) -> Matrix3 {
        let m = self.0;
        Matrix3([
            [m[0][0], m[1][0], m[2][0]],
            [m[0][1], m[1][1], m[2][1]],
            [m[0][2], m[1][2], m[2][2]],
        ])
    }

    /// `self · v`.
    pub fn apply(&self, v: Vec3) -> Vec3 {
        let m = self.0;
        Vec3::new(
            m[0][0] * v.x + m[0][1] * v.y + m[0][2] * v.z,
            m[1][0] * v.x + m[1][1] * v.y + m[1][2] * v.z,
            m[2][0] * v.x + m[2][1] * v.y + m[2][2] * v.z,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radec_round_trip_and_seam() {
        for (ra, dec) in [(0.0, 0.0), (359.999999, -89.5), (180.0, 45.0), (10.0, 90.0)] {
            let (r, d) = Vec3::from_radec(ra, dec).to_radec();
            assert!((d - dec).abs() < 1e-12);
            if dec.abs() < 90.0 {
                assert!((r - ra).abs() < 1e-9, "{r} {ra}");
            }
        }
        assert_eq!(normalize_ra(-1e-20), 0.0);
        assert_eq!(normalize_ra(-90.0), 270.0);
        assert_eq!(normalize_ra(720.5), 0.5);
    }

    #[test]
    fn angle_is_accurate_at_both_ends() {
        let a = Vec3::from_radec(10.0, 20.0);
        let tiny = Vec3::from_radec(10.0, 20.0 + 1e-9);
        assert!((a.angle(tiny).to_degrees() - 1e-9).abs() < 1e-13);
        let anti = Vec3::from_radec(190.0, -20.0 + 1e-7);
        assert!((a.angle(anti).to_degrees() - (180.0 - 1e-7)).abs() < 1e-9);
    }
}
