# SPDX-License-Identifier: MIT
#
# Run at build time (POST_BUILD) on a Catch2 v2 test executable: writes a CTest include file with
# one ctest test per TEST_CASE, labelled with the module, "unit", "fast" (unless tagged [slow])
# and every Catch2 tag of the case (so `ctest -L physics` selects [physics] cases).
#
# We do not use Catch2's catch_discover_tests: it splits list-valued properties (so LABELS
# "a;b" became only "a") and CMake's list handling mangles test names that contain unbalanced
# '[' or ';'. Here names never pass through CMake lists unprotected: '[' ']' ';' are replaced by
# placeholders while the output is split into lines, and restored when writing.
#
# Inputs (-D): EXE, MODULE, OUT, WORKDIR.

function(_protect in out)
  string(REPLACE "[" "@LB@" s "${in}")
  string(REPLACE "]" "@RB@" s "${s}")
  string(REPLACE ";" "@SC@" s "${s}")
  set(${out} "${s}" PARENT_SCOPE)
endfunction()
function(_restore in out)
  string(REPLACE "@LB@" "[" s "${in}")
  string(REPLACE "@RB@" "]" s "${s}")
  string(REPLACE "@SC@" ";" s "${s}")
  set(${out} "${s}" PARENT_SCOPE)
endfunction()

# Names of the test cases matching a Catch2 test spec (empty spec = all), one protected string
# per list element.
function(_names spec out)
  if(spec STREQUAL "")
    execute_process(COMMAND "${EXE}" --list-test-names-only OUTPUT_VARIABLE o RESULT_VARIABLE rc
                    WORKING_DIRECTORY "${WORKDIR}")
  else()
    execute_process(COMMAND "${EXE}" "${spec}" --list-test-names-only OUTPUT_VARIABLE o RESULT_VARIABLE rc
                    WORKING_DIRECTORY "${WORKDIR}")
  endif()
  if(rc LESS 0)
    message(FATAL_ERROR "cannot list tests of ${EXE}")
  endif()
  _protect("${o}" o)
  string(REPLACE "\n" ";" lines "${o}")
  set(result "")
  foreach(line IN LISTS lines)
    if(NOT line STREQUAL "")
      list(APPEND result "${line}")
    endif()
  endforeach()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

_names("" all_names)

# Tags: `--list-tags` prints lines like "   3  [physics]".
execute_process(COMMAND "${EXE}" --list-tags OUTPUT_VARIABLE tag_out WORKING_DIRECTORY "${WORKDIR}")
string(REGEX MATCHALL "\\[[^]\n]+\\]" tags "${tag_out}")
set(tag_names "")
foreach(t IN LISTS tags)
  string(REGEX REPLACE "^\\[(.*)\\]$" "\\1" name "${t}")
  if(NOT name MATCHES "^[A-Za-z0-9_.-]+$" OR name STREQUAL "unit")
    continue()
  endif()
  list(APPEND tag_names "${name}")
  _names("[${name}]" members)
  set(members_${name} "${members}")
endforeach()

set(script "")
foreach(pname IN LISTS all_names)
  _restore("${pname}" name)
  set(labels "unit;${MODULE}")
  set(is_slow FALSE)
  foreach(tag IN LISTS tag_names)
    list(FIND members_${tag} "${pname}" idx)
    if(idx GREATER -1)
      list(APPEND labels "${tag}")
      if(tag STREQUAL "slow")
        set(is_slow TRUE)
      endif()
    endif()
  endforeach()
  if(NOT is_slow)
    list(APPEND labels "fast")
  endif()
  list(REMOVE_DUPLICATES labels)
  # Catch2 test specs treat ',' '[' ']' '\' specially; escape them so the case is run by exact name.
  set(spec "${name}")
  string(REPLACE "\\" "\\\\" spec "${spec}")
  foreach(c "," "[" "]")
    string(REPLACE "${c}" "\\${c}" spec "${spec}")
  endforeach()
  string(REPLACE ";" "\\;" label_text "${labels}")
  string(APPEND script
    "add_test([==[${MODULE}: ${name}]==] [==[${EXE}]==] [==[${spec}]==])\n"
    "set_tests_properties([==[${MODULE}: ${name}]==] PROPERTIES WORKING_DIRECTORY [==[${WORKDIR}]==] LABELS [==[${labels}]==])\n")
endforeach()
file(WRITE "${OUT}" "${script}")
