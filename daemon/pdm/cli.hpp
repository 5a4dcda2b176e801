// Shared plumbing of the pdm subcommands.
#pragma once

#include <boost/program_options.hpp>

#include <string>
#include <vector>

#include "pkeydm/manager.hpp"

namespace pdm {

namespace po = boost::program_options;

using Args = std::vector<std::string>;

// Options every subcommand accepts.
struct Common {
    pkeydm::ManagerConfig cfg;
    bool verbose = false;
};

po::options_description common_options(Common& c);
// Parses; returns false after printing help when --help was given.
bool parse(const Args& args, po::options_description& desc, const po::positional_options_description& pos,
           po::variables_map& vm, const std::string& usage);

// XTS size from --xts-128 / --xts-256 (default 256); both is a usage error.
unsigned xts_bits_from(const po::variables_map& vm, unsigned dflt = 256);
void add_xts_options(po::options_description& d);

int cmd_create(const Args& a);
int cmd_remove(const Args& a);
int cmd_status(const Args& a);
int cmd_list(const Args& a);
int cmd_table(const Args& a);
int cmd_rekey(const Args& a);
int cmd_token(const Args& a);
int cmd_key(const Args& a);
int cmd_wkvp(const Args& a);

}  // namespace pdm
