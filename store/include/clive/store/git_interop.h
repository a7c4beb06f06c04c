// Moving objects and refs between a clive store and ordinary git
// repositories (files on disk), through libgit2 packs. This is what
// `git-remote-clive` and `clivec store import/export` are made of.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "clive/store/store.h"

namespace clive::store {

// Copies every object reachable from `tips` in `store` that the git
// repository at `git_dir` lacks into it, as one pack (git fetch from clive).
Status CopyToGit(Store& store, const std::filesystem::path& git_dir,
                 const std::vector<ObjectId>& tips);

// Copies every object reachable from `tips` in the git repository at
// `git_dir` that `store` lacks into the store (git push to clive), in large
// WriteObjects batches, each object after everything it references, so the
// store stays consistent if the copy dies halfway. No loose files are left.
Status CopyFromGit(Store& store, const std::filesystem::path& git_dir,
                   const std::vector<ObjectId>& tips);

// The object `revision` names in the git repository at `git_dir`
// (git_revparse_single: a ref name, "HEAD", a hex id, ...).
Expected<ObjectId> ResolveGitRevision(const std::filesystem::path& git_dir,
                                      std::string_view revision);

// `clivec store import <repo>`: all objects and refs of a git repository.
Status ImportRepository(Store& store, const std::filesystem::path& git_dir);
// `clivec store export <dir>`: a new bare git repository with every object
// and ref of the store.
Status ExportRepository(Store& store, const std::filesystem::path& dir);

}  // namespace clive::store
