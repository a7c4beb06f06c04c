// FileWatcher on real inotify: events of a watched tree, directories created
// later, and the kernel queue overflowing.
#include "clive/runtime/file_watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace clive::runtime {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class FileWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("clive-watch-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "a" / ".hidden");
    auto watcher = FileWatcher::Create();
    ASSERT_TRUE(watcher.ok()) << watcher.status().message();
    watcher_ = std::move(*watcher);
    ASSERT_TRUE(watcher_->WatchTree(root_).ok());
  }
  void TearDown() override { fs::remove_all(root_); }
  static void Write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

  fs::path root_;
  std::unique_ptr<FileWatcher> watcher_;
};

TEST_F(FileWatcherTest, ReportsWritesInTheTreeButNotInHiddenDirectories) {
  Write(root_ / "a" / "clive.cl", "val x = 1\n");
  Write(root_ / "a" / ".hidden" / "clive.cl", "val y = 1\n");
  auto changes = watcher_->Wait(milliseconds(2000), milliseconds(20));
  ASSERT_TRUE(changes.ok());
  EXPECT_FALSE(changes->overflow);
  EXPECT_EQ(changes->files, std::set<fs::path>({fs::absolute(root_ / "a" / "clive.cl")}));
  // Nothing more: the wait times out empty.
  changes = watcher_->Wait(milliseconds(50), milliseconds(10));
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->files.empty());
}

TEST_F(FileWatcherTest, WatchesDirectoriesCreatedLater) {
  fs::create_directories(root_ / "new" / "deep");
  Write(root_ / "new" / "deep" / "clive.cl", "val z = 1\n");  // may precede the new watch
  auto first = watcher_->Wait(milliseconds(2000), milliseconds(50));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->files.count(fs::absolute(root_ / "new" / "deep" / "clive.cl")));
  Write(root_ / "new" / "deep" / "clive.cl", "val z = 2\n");  // now surely watched
  auto second = watcher_->Wait(milliseconds(2000), milliseconds(20));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->files.count(fs::absolute(root_ / "new" / "deep" / "clive.cl")));
}

TEST_F(FileWatcherTest, ABurstIsOneBatch) {
  for (int i = 0; i < 20; ++i) Write(root_ / "a" / ("f" + std::to_string(i) + ".cl"), "x");
  auto changes = watcher_->Wait(milliseconds(2000), milliseconds(100));
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->files.size(), 20u);
}

// The kernel queues at most max_queued_events events; past that it drops
// them and says so, and the watcher must report it (clivec watch rescans).
TEST_F(FileWatcherTest, ReportsAQueueOverflow) {
  size_t limit = 16384;
  std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> limit;
  ASSERT_LT(limit, 200000u) << "the queue is too long to overflow in a test";
  // Distinct names: identical consecutive events would be coalesced.
  for (size_t i = 0; i < limit + 100; ++i) Write(root_ / "a" / ("n" + std::to_string(i)), "");
  auto changes = watcher_->Wait(milliseconds(2000), milliseconds(20));
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->overflow);
}

}  // namespace
}  // namespace clive::runtime
