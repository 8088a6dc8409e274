// SPDX-License-Identifier: Apache-2.0
#include "control/state_file.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace anycastd::control {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class StateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "anycastd-state-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir = pattern;
  }
  void TearDown() override { fs::remove_all(dir); }

  void write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }

  fs::path dir;
};

TEST_F(StateFileTest, MissingFileIsEmpty) {
  StateFile state((dir / "state.json").string());
  EXPECT_TRUE(state.load().empty());
  EXPECT_EQ(state.last_error(), "");
}

TEST_F(StateFileTest, RoundTripCreatesTheDirectory) {
  const auto path = (dir / "lib" / "anycastd" / "state.json").string();
  StateFile state(path);
  EXPECT_EQ(state.save({"dns", "ntp"}), std::nullopt);
  EXPECT_EQ(state.load(), (std::set<std::string>{"dns", "ntp"}));
  EXPECT_EQ(state.last_error(), "");
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"version\":1,\"withdrawn\":[\"dns\",\"ntp\"]}\n");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(StateFileTest, SaveReplacesAtomicallyAndLeavesNoTemporaryFiles) {
  const auto path = (dir / "state.json").string();
  StateFile state(path);
  ASSERT_EQ(state.save({"dns"}), std::nullopt);
  struct stat before {};
  ASSERT_EQ(stat(path.c_str(), &before), 0);
  ASSERT_EQ(state.save({}), std::nullopt);
  struct stat after {};
  ASSERT_EQ(stat(path.c_str(), &after), 0);
  // rename() put a new inode in place; the old file was never truncated.
  EXPECT_NE(before.st_ino, after.st_ino);
  EXPECT_TRUE(state.load().empty());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST_F(StateFileTest, CorruptFileIsAnErrorTreatedAsEmpty) {
  const auto path = (dir / "state.json").string();
  StateFile state(path);
  for (const char* text : {"{\"version\":1,\"withdrawn\":[\"dns\"", "", "[]",
                           "{\"withdrawn\":[\"dns\"]}", "{\"version\":2,\"withdrawn\":[\"dns\"]}",
                           "{\"version\":1}", "{\"version\":1,\"withdrawn\":[\"dns\",3]}"}) {
    write(path, text);
    EXPECT_TRUE(state.load().empty()) << text;
    EXPECT_THAT(state.last_error(), HasSubstr(path)) << text;
  }
}

TEST_F(StateFileTest, UnwritableDirectoryIsAnError) {
  const auto blocker = dir / "file";
  write(blocker.string(), "x");
  StateFile state((blocker / "state.json").string());
  const auto error = state.save({"dns"});
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(*error, HasSubstr("cannot create directory"));
}

}  // namespace
}  // namespace anycastd::control
