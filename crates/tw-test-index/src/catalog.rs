//! Every file of a [`Universe`] built once, with the facts the index pages list about it.

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::artifacts::{
    MetadataKind, build_sdist, build_wheel, core_metadata, release_sdist_filename, sha256_hex,
    wheel_filename,
};
use crate::universe::Universe;

/// One distribution file and what the index says about it.
#[derive(Clone, Debug)]
pub(crate) struct ServedFile {
    pub(crate) filename: String,
    pub(crate) bytes: Bytes,
    pub(crate) sha256: String,
    /// The PEP 658 `.metadata` file and its SHA-256; wheels only.
    pub(crate) metadata: Option<(Bytes, String)>,
    pub(crate) requires_python: Option<String>,
    pub(crate) yanked: bool,
    pub(crate) upload_time: String,
}

/// One project: its name, versions and files in the order the universe gave them.
#[derive(Clone, Debug)]
pub(crate) struct CatalogProject {
    pub(crate) normalized: String,
    pub(crate) display_name: String,
    pub(crate) versions: Vec<String>,
    pub(crate) filenames: Vec<String>,
}

/// All projects (sorted by normalized name) and all files (by file name).
#[derive(Clone, Debug, Default)]
pub(crate) struct Catalog {
    pub(crate) projects: Vec<CatalogProject>,
    pub(crate) files: BTreeMap<String, ServedFile>,
}

impl Catalog {
    /// Build every wheel and sdist of `universe`.
    pub(crate) fn build(universe: &Universe) -> Self {
        let mut catalog = Self::default();
        for (normalized, project) in universe.projects() {
            let mut entry = CatalogProject {
                normalized: normalized.to_string(),
                display_name: project.display_name.clone(),
                versions: Vec::new(),
                filenames: Vec::new(),
            };
            for release in &project.releases {
                let (name, version) = (release.name.as_str(), release.version.as_str());
                entry.versions.push(version.to_string());
                let mut built = Vec::new();
                if release.wheel {
                    let mut text = core_metadata(name, version, release, MetadataKind::Wheel);
                    for requirement in &release.pep658_only_requires {
                        text.push_str(&format!("Requires-Dist: {requirement}\n"));
                    }
                    let metadata = Bytes::from(text);
                    let metadata_sha256 = sha256_hex(&metadata);
                    for tag in &release.wheel_tags {
                        built.push((
                            wheel_filename(name, version, tag),
                            build_wheel(name, version, tag, release),
                            // A wheel without a `.dist-info` has no metadata to extract.
                            (!release.layout.no_dist_info)
                                .then(|| (metadata.clone(), metadata_sha256.clone())),
                        ));
                    }
                }
                if release.sdist {
                    built.push((
                        release_sdist_filename(name, version, release),
                        build_sdist(name, version, release),
                        None,
                    ));
                }
                for (filename, bytes, metadata) in built {
                    entry.filenames.push(filename.clone());
                    catalog.files.insert(
                        filename.clone(),
                        ServedFile {
                            filename,
                            sha256: sha256_hex(&bytes),
                            bytes: Bytes::from(bytes),
                            metadata,
                            requires_python: release.requires_python.clone(),
                            yanked: release.yanked,
                            upload_time: release.upload_time.clone(),
                        },
                    );
                }
            }
            catalog.projects.push(entry);
        }
        catalog
    }

    /// The files of `project`, in page order.
    pub(crate) fn files_of<'a>(
        &'a self,
        project: &'a CatalogProject,
    ) -> impl Iterator<Item = &'a ServedFile> + 'a {
        project
            .filenames
            .iter()
            .filter_map(|filename| self.files.get(filename))
    }
}
