//! The names reports give the files they point at (the policy, the `.dive-ci`, the Dockerfile):
//! relative to the repository root, so that GitHub, GitLab and the fingerprints find the same file
//! wherever sizegate was started (`cd sub && sizegate check … --policy ../size.yml` reports
//! `size.yml`). The root is `GITHUB_WORKSPACE`, else `CI_PROJECT_DIR`, else the nearest directory
//! above the current one that holds a `.git` (a directory, or the file of a worktree or
//! submodule; no git process is run), else the current directory. A file outside the root keeps
//! its path as given. Errors on stderr keep the path as typed, as compilers do: the person reading
//! them is where they typed it.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// Where reports' paths start from, and where sizegate runs.
#[derive(Debug, Clone)]
pub(crate) struct RepoRoot {
    /// The repository root, absolute, without `.` or `..`.
    root: PathBuf,
    /// The root with its symbolic links resolved, when it exists: a file named through links
    /// (or the current directory, which the kernel resolved) is found in it all the same.
    resolved: Option<PathBuf>,
    /// The current directory, absolute, without `.` or `..`.
    cwd: PathBuf,
}

impl RepoRoot {
    /// The root of the repository sizegate runs in, from the environment and the current
    /// directory (see the module's documentation).
    pub(crate) fn discover() -> RepoRoot {
        let cwd = std::env::current_dir().unwrap_or_default();
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let root = find_root(
            &cwd,
            var("GITHUB_WORKSPACE"),
            var("CI_PROJECT_DIR"),
            |dir: &Path| dir.join(".git").symlink_metadata().is_ok(),
        );
        let mut repo = RepoRoot::new(root, cwd);
        repo.resolved = resolve(&repo.root);
        repo
    }

    /// A root and a current directory, both made absolute and lexically normal.
    pub(crate) fn new(root: PathBuf, cwd: PathBuf) -> RepoRoot {
        let cwd = normalize(&cwd);
        let root = normalize(&cwd.join(root));
        RepoRoot {
            root,
            resolved: None,
            cwd,
        }
    }

    /// The name reports give `path` (as the user gave it): relative to the root with `/` between
    /// its parts when the file is in the root, as written or with its links resolved; else the
    /// path as given, without a leading `./`.
    pub(crate) fn name(&self, path: &Path) -> String {
        let absolute = normalize(&self.cwd.join(path));
        let roots = || std::iter::once(&self.root).chain(&self.resolved);
        let inside = |file: &Path| {
            roots().find_map(|root| {
                file.strip_prefix(root)
                    .ok()
                    .filter(|inside| inside.components().next().is_some())
                    .map(Path::to_path_buf)
            })
        };
        match inside(&absolute).or_else(|| inside(&resolve(&absolute)?)) {
            Some(inside) => inside
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            None => as_given(path),
        }
    }
}

/// `path` with its symbolic links resolved, when it exists; `dunce` keeps Windows' paths in their
/// usual form (`D:\repo`, not `\\?\D:\repo`), so that they compare with the current directory's.
fn resolve(path: &Path) -> Option<PathBuf> {
    dunce::canonicalize(path).ok()
}

/// The root for a current directory `cwd`: `github_workspace`, else `ci_project_dir`, else the
/// nearest of `cwd` and its parents for which `has_git` holds, else `cwd`. A relative variable is
/// taken from `cwd`.
fn find_root(
    cwd: &Path,
    github_workspace: Option<OsString>,
    ci_project_dir: Option<OsString>,
    has_git: impl Fn(&Path) -> bool,
) -> PathBuf {
    if let Some(dir) = github_workspace.or(ci_project_dir) {
        return cwd.join(dir);
    }
    cwd.ancestors()
        .find(|dir| has_git(dir))
        .unwrap_or(cwd)
        .to_path_buf()
}

/// `path` without `.` parts, each `..` taking away the part before it (and none above the root):
/// lexically, as a path in a report is read, whatever links the directories are.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                // A relative path that starts above itself keeps its `..`.
                _ => out.push(part),
            },
            other => out.push(other),
        }
    }
    out
}

/// A path as the user gave it, without a leading `./` (GitHub and GitLab resolve paths from the
/// repository root, not from `.`).
pub(crate) fn as_given(path: &Path) -> String {
    let text = path.display().to_string();
    match text.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(root: &str, cwd: &str) -> RepoRoot {
        RepoRoot::new(PathBuf::from(root), PathBuf::from(cwd))
    }

    #[test]
    fn a_file_in_the_repository_is_named_from_its_root() {
        let repo = root("/repo", "/repo/sub");
        assert_eq!(repo.name(Path::new("../size.yml")), "size.yml");
        assert_eq!(repo.name(Path::new("sizegate.yml")), "sub/sizegate.yml");
        assert_eq!(repo.name(Path::new("./ci/../Dockerfile")), "sub/Dockerfile");
        assert_eq!(repo.name(Path::new("/repo/ci/size.yml")), "ci/size.yml");
        let top = root("/repo", "/repo");
        assert_eq!(top.name(Path::new("./sizegate.yml")), "sizegate.yml");
        assert_eq!(top.name(Path::new("a//b/./c.yml")), "a/b/c.yml");
    }

    #[test]
    fn a_file_outside_the_repository_keeps_its_path_as_given() {
        let repo = root("/repo", "/repo/sub");
        assert_eq!(
            repo.name(Path::new("../../etc/size.yml")),
            "../../etc/size.yml"
        );
        assert_eq!(repo.name(Path::new("/tmp/size.yml")), "/tmp/size.yml");
        // A sibling whose name starts like the root's is outside it.
        assert_eq!(repo.name(Path::new("/repo2/size.yml")), "/repo2/size.yml");
        // The root itself is no file in it.
        assert_eq!(repo.name(Path::new("..")), "..");
        assert_eq!(
            root("/repo", "/elsewhere").name(Path::new("./x.yml")),
            "x.yml"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_reached_through_a_link_is_named_from_the_root() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("ci")).expect("repo/ci");
        std::fs::write(repo.join("ci/size.yml"), "").expect("size.yml");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&repo, &link).expect("link");
        // The workspace named through the link, the file through the link, or one of the two.
        for (root, file) in [(&link, &link), (&repo, &link), (&link, &repo)] {
            let mut named = RepoRoot::new(root.clone(), root.clone());
            named.resolved = resolve(root);
            assert_eq!(named.name(&file.join("ci/size.yml")), "ci/size.yml");
        }
    }

    #[test]
    fn dot_dot_never_climbs_above_the_root_of_the_filesystem() {
        assert_eq!(
            normalize(Path::new("/../a/./b/../c")),
            PathBuf::from("/a/c")
        );
        assert_eq!(normalize(Path::new("../a")), PathBuf::from("../a"));
        assert_eq!(normalize(Path::new("../../a/..")), PathBuf::from("../.."));
        assert_eq!(root("/", "/").name(Path::new("../../x")), "x");
    }

    #[test]
    fn the_root_is_the_ci_workspace_else_the_nearest_git_else_the_current_directory() {
        let cwd = Path::new("/repo/sub/deeper");
        let git_at = |dir: &'static str| move |d: &Path| d == Path::new(dir);
        let none = |_: &Path| false;
        let ws = Some(OsString::from("/work/space"));
        let gl = Some(OsString::from("/builds/group/project"));
        assert_eq!(
            find_root(cwd, ws.clone(), gl.clone(), git_at("/repo")),
            Path::new("/work/space")
        );
        assert_eq!(
            find_root(cwd, None, gl, git_at("/repo")),
            Path::new("/builds/group/project")
        );
        assert_eq!(
            find_root(cwd, None, None, git_at("/repo")),
            Path::new("/repo")
        );
        assert_eq!(
            find_root(cwd, None, None, git_at("/repo/sub")),
            Path::new("/repo/sub"),
            "the nearest .git (a submodule's) wins"
        );
        assert_eq!(find_root(cwd, None, None, none), cwd);
        assert_eq!(
            find_root(cwd, Some(OsString::from("..")), None, none),
            Path::new("/repo/sub/deeper/..")
        );
    }
}
