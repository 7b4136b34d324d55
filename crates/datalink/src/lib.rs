//! The image services' logic, without HTTP: DataLink documents and service
//! descriptors, SODA and SIA v2 parameters, dataset IDs and the image store,
//! FITS cutouts through the image's WCS, and the demo's synthetic images.
//!
//! `tap-server` puts these behind `/api/datalink`, `/api/cutout` and
//! `/api/sia`; `adql datalink|cutout|sia` use them directly.

pub mod cutout;
pub mod fits;
pub mod links;
pub mod preview;
pub mod sia;
pub mod sky;
pub mod soda;
pub mod store;
pub mod synthetic;

pub use cutout::{cut, cut_to_file, pixel_box, Cutout, CutoutError, PixelBox};
pub use links::{links_document, InputParam, Link, ServiceDescriptor, LINKS_CONTENT_TYPE};
pub use sky::ImageWcs;
pub use soda::{CutoutRequest, SodaError, Stencil};
pub use store::{DatasetId, IdError, ImageStore};
