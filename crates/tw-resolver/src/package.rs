//! The packages PubGrub reasons about: the root, real projects, and `name[extra]` virtual
//! packages that pin their base to the same version and add the extra's requirements (the
//! approach the PubGrub guide calls optional dependencies, and uv uses too).

use std::fmt;
use std::sync::Arc;

use pep508_rs::{ExtraName, PackageName};

/// What a [`PubGrubPackage`] stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PackageKind {
    /// The user's requirements.
    Root,
    /// A project on the index.
    Base(PackageName),
    /// `name[extra]`: the project plus one extra's requirements.
    Extra(PackageName, ExtraName),
}

/// A cheap-to-clone solver key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PubGrubPackage(Arc<PackageKind>);

impl PubGrubPackage {
    /// The root package.
    pub fn root() -> Self {
        Self(Arc::new(PackageKind::Root))
    }

    /// A real project.
    pub fn base(name: PackageName) -> Self {
        Self(Arc::new(PackageKind::Base(name)))
    }

    /// A `name[extra]` virtual package.
    pub fn extra(name: PackageName, extra: ExtraName) -> Self {
        Self(Arc::new(PackageKind::Extra(name, extra)))
    }

    /// What the key stands for.
    pub fn kind(&self) -> &PackageKind {
        &self.0
    }

    /// The project name, for all but the root.
    pub fn name(&self) -> Option<&PackageName> {
        match &*self.0 {
            PackageKind::Root => None,
            PackageKind::Base(name) | PackageKind::Extra(name, _) => Some(name),
        }
    }
}

impl fmt::Display for PubGrubPackage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            PackageKind::Root => f.write_str("your requirements"),
            PackageKind::Base(name) => write!(f, "{name}"),
            PackageKind::Extra(name, extra) => write!(f, "{name}[{extra}]"),
        }
    }
}
