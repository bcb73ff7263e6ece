//! Wheel and source distribution file names.
//!
//! Wheels follow the binary distribution format spec (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`,
//! with `.`-separated compressed tag sets, PEP 425). Source distribution names are
//! ambiguous on their own (`a-b-1.0.tar.gz`), so they are parsed with the project name the
//! index page belongs to.

use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::PackageName;

use crate::error::FilenameError;

/// A parsed wheel file name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WheelFilename {
    /// The normalised distribution name.
    pub name: PackageName,
    /// The version.
    pub version: Version,
    /// The optional build tag.
    pub build: Option<String>,
    /// The compressed tag sets as written, `{python}-{abi}-{platform}`: one allocation per
    /// wheel, split on demand by [`Self::python`], [`Self::abi`] and [`Self::platform`]
    /// (index pages list tens of thousands of wheels).
    tags: Box<str>,
}

impl FromStr for WheelFilename {
    type Err = FilenameError;

    fn from_str(filename: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| FilenameError::Invalid {
            filename: filename.to_string(),
            reason: reason.to_string(),
        };
        let stem = filename
            .strip_suffix(".whl")
            .ok_or_else(|| invalid("does not end in `.whl`"))?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, python, abi, platform) = match parts.as_slice() {
            [name, version, python, abi, platform] => {
                (*name, *version, None, *python, *abi, *platform)
            }
            [name, version, build, python, abi, platform] => (
                *name,
                *version,
                Some((*build).to_string()),
                *python,
                *abi,
                *platform,
            ),
            _ => return Err(invalid("expected 5 or 6 `-`-separated parts")),
        };
        let name = PackageName::from_str(name).map_err(|_| invalid("invalid distribution name"))?;
        let version = Version::from_str(version).map_err(|_| invalid("invalid version"))?;
        if [python, abi, platform]
            .iter()
            .any(|set| set.split('.').any(str::is_empty))
        {
            return Err(invalid("empty tag"));
        }
        Ok(Self {
            name,
            version,
            build,
            tags: format!("{python}-{abi}-{platform}").into_boxed_str(),
        })
    }
}

impl WheelFilename {
    /// The `n`th `-`-separated tag set.
    fn tag_set(&self, n: usize) -> &str {
        self.tags.split('-').nth(n).unwrap_or_default()
    }

    /// Python tags (`py3`, `cp311`).
    pub fn python(&self) -> Vec<&str> {
        self.tag_set(0).split('.').collect()
    }

    /// ABI tags (`none`, `abi3`, `cp311`).
    pub fn abi(&self) -> Vec<&str> {
        self.tag_set(1).split('.').collect()
    }

    /// Platform tags (`any`, `manylinux_2_17_x86_64`).
    pub fn platform(&self) -> Vec<&str> {
        self.tag_set(2).split('.').collect()
    }

    /// The tag sets as written in the file name, e.g. `cp311-cp311-manylinux_2_17_x86_64`.
    pub fn tags(&self) -> &str {
        &self.tags
    }

    /// True when the wheel runs on any platform with any ABI (`*-none-any`).
    pub fn is_universal(&self) -> bool {
        self.abi().iter().all(|a| *a == "none") && self.platform().iter().all(|p| *p == "any")
    }
}

/// The archive format of a source distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SdistExtension {
    /// `.tar.gz` (the only format PEP 625 allows for new uploads).
    TarGz,
    /// `.zip` (legacy).
    Zip,
    /// `.tar.bz2`, `.tar.xz`, `.tgz`, `.tar` (legacy; listed, never read).
    OtherTar,
}

impl SdistExtension {
    const ALL: [(&'static str, Self); 6] = [
        (".tar.gz", Self::TarGz),
        (".zip", Self::Zip),
        (".tar.bz2", Self::OtherTar),
        (".tar.xz", Self::OtherTar),
        (".tgz", Self::OtherTar),
        (".tar", Self::OtherTar),
    ];
}

/// A parsed source distribution file name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SdistFilename {
    /// The normalised project name.
    pub name: PackageName,
    /// The version.
    pub version: Version,
    /// The archive format.
    pub extension: SdistExtension,
}

impl SdistFilename {
    /// Parse `filename` as an sdist of `project`. Names compare normalised, so
    /// `Foo_Bar-1.0.tar.gz` belongs to `foo-bar`.
    pub fn parse(filename: &str, project: &PackageName) -> Result<Self, FilenameError> {
        let invalid = |reason: &str| FilenameError::Invalid {
            filename: filename.to_string(),
            reason: reason.to_string(),
        };
        let lower = filename.to_ascii_lowercase();
        let (stem, extension) = SdistExtension::ALL
            .iter()
            .find_map(|(suffix, ext)| {
                lower
                    .ends_with(suffix)
                    .then(|| (&filename[..filename.len() - suffix.len()], *ext))
            })
            .ok_or_else(|| invalid("not a source distribution archive"))?;
        // The name part has as many `-`-separated segments as the normalised project name,
        // possibly written with `_` or `.` instead, so try each split from the right.
        for (index, _) in stem.match_indices('-').rev() {
            let (name, version) = (&stem[..index], &stem[index + 1..]);
            let Ok(name) = PackageName::from_str(name) else {
                continue;
            };
            if &name != project {
                continue;
            }
            let version = Version::from_str(version).map_err(|_| invalid("invalid version"))?;
            return Ok(Self {
                name,
                version,
                extension,
            });
        }
        Err(invalid("name does not match the project"))
    }
}

/// A distribution file name: a wheel or a source distribution.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DistFilename {
    /// A built distribution.
    Wheel(WheelFilename),
    /// A source distribution.
    Sdist(SdistFilename),
}

impl DistFilename {
    /// Parse a file listed on `project`'s page; `None` for files that are neither (e.g. `.exe`, `.egg`).
    pub fn parse(filename: &str, project: &PackageName) -> Option<Self> {
        if filename.ends_with(".whl") {
            let wheel = WheelFilename::from_str(filename).ok()?;
            (&wheel.name == project).then_some(Self::Wheel(wheel))
        } else {
            SdistFilename::parse(filename, project)
                .ok()
                .map(Self::Sdist)
        }
    }

    /// Make the version share its storage with an equal one seen before on the same page (a
    /// release lists one version for all its files; a `Version` is reference-counted, so this
    /// turns thousands of copies into one).
    pub fn share_version(&mut self, seen: &mut rustc_hash::FxHashSet<Version>) {
        let version = match self {
            Self::Wheel(wheel) => &mut wheel.version,
            Self::Sdist(sdist) => &mut sdist.version,
        };
        match seen.get(version) {
            // `1.0` equals `1.0.0`: share only when they also print the same.
            Some(existing) if existing.release().len() == version.release().len() => {
                *version = existing.clone();
            }
            Some(_) => {}
            None => {
                seen.insert(version.clone());
            }
        }
    }

    /// The version in the file name.
    pub fn version(&self) -> &Version {
        match self {
            Self::Wheel(wheel) => &wheel.version,
            Self::Sdist(sdist) => &sdist.version,
        }
    }

    /// The normalised name in the file name.
    pub fn name(&self) -> &PackageName {
        match self {
            Self::Wheel(wheel) => &wheel.name,
            Self::Sdist(sdist) => &sdist.name,
        }
    }
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.name.as_dist_info_name(), self.version)?;
        if let Some(build) = &self.build {
            write!(f, "-{build}")?;
        }
        write!(f, "-{}.whl", self.tags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> PackageName {
        PackageName::from_str(s).unwrap()
    }

    #[test]
    fn wheel_names() {
        let wheel: WheelFilename =
            "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
                .parse()
                .unwrap();
        assert_eq!(wheel.name, name("numpy"));
        assert_eq!(wheel.version.to_string(), "2.1.0");
        assert_eq!(
            wheel.platform(),
            ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]
        );
        let built: WheelFilename = "Foo_Bar-1.0-2-py2.py3-none-any.whl".parse().unwrap();
        assert_eq!(built.name, name("foo-bar"));
        assert_eq!(built.build.as_deref(), Some("2"));
        assert_eq!(built.python(), ["py2", "py3"]);
        assert!(built.is_universal());
        assert_eq!(built.to_string(), "foo_bar-1.0-2-py2.py3-none-any.whl");
        assert!("foo-1.0.whl".parse::<WheelFilename>().is_err());
        assert!("foo-1.0-py3-none-any.zip".parse::<WheelFilename>().is_err());
    }

    #[test]
    fn sdist_names() {
        let sdist = SdistFilename::parse("Foo_Bar-1.0.post1.tar.gz", &name("foo-bar")).unwrap();
        assert_eq!(sdist.version.to_string(), "1.0.post1");
        assert_eq!(sdist.extension, SdistExtension::TarGz);
        let dashed = SdistFilename::parse("a-b-c-2.0.zip", &name("a-b-c")).unwrap();
        assert_eq!(dashed.version.to_string(), "2.0");
        assert!(SdistFilename::parse("other-1.0.tar.gz", &name("foo")).is_err());
        assert!(DistFilename::parse("foo-1.0.win32.exe", &name("foo")).is_none());
        assert!(DistFilename::parse("bar-1.0-py3-none-any.whl", &name("foo")).is_none());
    }
}
