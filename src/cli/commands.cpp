// SPDX-License-Identifier: MIT
#include "cli/commands.hpp"

namespace ioncycle::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {run_spec(), &run_run},
      {md_spec(), &run_md},
      {distill_spec(), &run_distill},
      {analyze_spec(), &run_analyze},
      {compare_spec(), &run_compare},
      {build_spec(), &run_build},
      {info_spec(), &run_info},
      {convert_spec(), &run_convert},
      {eval_spec(), &run_eval},
      {model_info_spec(), &run_model_info},
  };
  return list;
}

}  // namespace ioncycle::cli
