//! Built-in presets a policy can `extends:`. `recommended` forbids what package managers, language
//! tools and builds leave behind. Each rule has a stable name (to `disable:` it or change its
//! `severity:`), defaults to `warn`, and carries a hint on how to fix the Dockerfile. `explain`
//! applies the same rules to the final filesystem and gives the same hints.

use crate::policy::rules::Glob;

/// One rule of a preset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PresetRule {
    /// Stable name: `recommended/<name>` in reports.
    pub name: &'static str,
    /// Paths that must not ship.
    pub globs: &'static [&'static str],
    /// Paths that may ship although a glob matches them.
    pub except: &'static [&'static str],
    /// How to fix it.
    pub hint: &'static str,
}

/// The presets there are.
pub(crate) const PRESETS: &[&str] = &["recommended"];

impl PresetRule {
    /// Its name in reports: `recommended/apt-lists`.
    pub(crate) fn qualified_name(&self) -> String {
        format!("recommended/{}", self.name)
    }

    /// Its globs and exceptions, compiled. Preset globs are tested to compile (below), so none
    /// is left out; one that did not would be skipped rather than panic.
    pub(crate) fn compile(&self) -> (Vec<Glob>, Vec<Glob>) {
        let compile = |list: &[&str]| list.iter().filter_map(|g| Glob::path(g).ok()).collect();
        (compile(self.globs), compile(self.except))
    }
}

/// The `recommended` preset.
pub(crate) const RECOMMENDED: &[PresetRule] = &[
    PresetRule {
        name: "apt-lists",
        globs: &["/var/lib/apt/lists/**"],
        except: &["/var/lib/apt/lists/lock", "/var/lib/apt/lists/partial/**"],
        hint: "remove the lists in the same RUN that downloads them: `apt-get update && apt-get install -y … && rm -rf /var/lib/apt/lists/*`",
    },
    PresetRule {
        name: "apt-cache",
        globs: &["/var/cache/apt/archives/*.deb", "/var/cache/apt/*.bin"],
        except: &[],
        hint: "run `apt-get clean` in the same RUN as `apt-get install`, or use `RUN --mount=type=cache,target=/var/cache/apt`",
    },
    PresetRule {
        name: "apk-cache",
        globs: &["/var/cache/apk/**", "/etc/apk/cache/**"],
        except: &[],
        hint: "use `apk add --no-cache`",
    },
    PresetRule {
        name: "yum-cache",
        globs: &["/var/cache/yum/**", "/var/cache/dnf/**"],
        except: &[],
        hint: "run `yum clean all` (or `dnf clean all`) in the same RUN as the install",
    },
    PresetRule {
        name: "pip-cache",
        globs: &["**/.cache/pip/**"],
        except: &[],
        hint: "use `pip install --no-cache-dir`, or set `PIP_NO_CACHE_DIR=1`",
    },
    PresetRule {
        name: "npm-cache",
        globs: &["**/.npm/_cacache/**"],
        except: &[],
        hint: "run `npm cache clean --force` in the same RUN, or use a cache mount for ~/.npm",
    },
    PresetRule {
        name: "yarn-cache",
        globs: &["**/.cache/yarn/**", "/usr/local/share/.cache/yarn/**"],
        except: &[],
        hint: "run `yarn cache clean` in the same RUN, or use a cache mount",
    },
    PresetRule {
        name: "pycache",
        globs: &["**/__pycache__/**", "**/*.pyc"],
        except: &[],
        hint: "set `PYTHONDONTWRITEBYTECODE=1` while building, or compile bytecode in the final stage only",
    },
    PresetRule {
        name: "docs",
        globs: &["/usr/share/doc/**"],
        except: &["/usr/share/doc/*/copyright"],
        hint: "install with `--no-install-recommends` and a dpkg `path-exclude=/usr/share/doc/*` rule (keep the copyright files)",
    },
    PresetRule {
        name: "man",
        globs: &["/usr/share/man/**", "/usr/share/info/**"],
        except: &[],
        hint: "add dpkg `path-exclude` rules for /usr/share/man and /usr/share/info, or remove them in the same RUN",
    },
    PresetRule {
        name: "git",
        globs: &["**/.git/**"],
        except: &[],
        hint: "add `.git` to .dockerignore",
    },
    PresetRule {
        name: "core-dumps",
        globs: &["**/core", "**/core.[0-9]*"],
        except: &[],
        hint: "remove core dumps left by a crashed build step",
    },
    PresetRule {
        name: "build-caches",
        globs: &[
            "/root/.cache/**",
            "/root/.cargo/registry/**",
            "/root/.cargo/git/**",
            "/root/.gradle/caches/**",
            "/root/.m2/repository/**",
            "/go/pkg/mod/cache/**",
        ],
        except: &["/root/.cache/pip/**", "/root/.cache/yarn/**"],
        hint: "use `RUN --mount=type=cache,target=…` or a multi-stage build so caches stay out of the image",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_glob_compiles_and_names_are_unique() {
        let mut names: Vec<&str> = RECOMMENDED.iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RECOMMENDED.len());
        for rule in RECOMMENDED {
            for g in rule.globs.iter().chain(rule.except) {
                assert!(Glob::path(g).is_ok(), "{} {g}", rule.name);
            }
        }
    }
}
