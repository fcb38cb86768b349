# SPDX-License-Identifier: MIT
#
# libtorch from the PyPI torch wheel in the project's .venv.
#
# We do not call find_package(Torch): the CUDA build of the wheel makes TorchConfig.cmake run
# find_package(CUDAToolkit) and enable_language(CUDA), which fails on machines without nvcc and
# ties the build to the system toolkit's version (shared MLIP-FORMATS.md §4). ioncycle only
# needs the headers and the shared libraries, so it imports them directly:
#   - headers: torch/include and torch/include/torch/csrc/api/include (as SYSTEM includes);
#   - libraries: libtorch, libtorch_cpu, libc10, and libtorch_cuda/libc10_cuda when present,
#     linked with --no-as-needed so that the CUDA backend registers itself at load time;
#   - the _GLIBCXX_USE_CXX11_ABI value the wheel was built with;
#   - an rpath to torch/lib (DT_RPATH via --disable-new-dtags, so LD_LIBRARY_PATH pointing at a
#     system CUDA toolkit cannot shadow the wheel's own CUDA runtime). libtorch_cuda.so finds the
#     nvidia/* libraries through its own $ORIGIN rpath.

if(NOT EXISTS "${IONCYCLE_PYTHON}")
  message(FATAL_ERROR "IONCYCLE_PYTHON='${IONCYCLE_PYTHON}' does not exist; run scripts/setup first")
endif()
execute_process(
  COMMAND "${IONCYCLE_PYTHON}" -c
    "import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(torch.__version__)"
  OUTPUT_VARIABLE _torch_out RESULT_VARIABLE _torch_rc ERROR_VARIABLE _torch_err
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _torch_rc EQUAL 0)
  message(FATAL_ERROR "cannot import torch from ${IONCYCLE_PYTHON}:\n${_torch_err}")
endif()
string(REPLACE "\n" ";" _torch_out "${_torch_out}")
list(GET _torch_out 0 IONCYCLE_TORCH_DIR)
list(GET _torch_out 1 IONCYCLE_TORCH_CXX11_ABI)
list(GET _torch_out 2 IONCYCLE_TORCH_VERSION)
message(STATUS "libtorch ${IONCYCLE_TORCH_VERSION} from ${IONCYCLE_TORCH_DIR} (CXX11 ABI ${IONCYCLE_TORCH_CXX11_ABI})")

set(_tlib "${IONCYCLE_TORCH_DIR}/lib")
add_library(ioncycle_torch INTERFACE)
target_include_directories(ioncycle_torch SYSTEM INTERFACE
  "${IONCYCLE_TORCH_DIR}/include" "${IONCYCLE_TORCH_DIR}/include/torch/csrc/api/include")
target_compile_definitions(ioncycle_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=${IONCYCLE_TORCH_CXX11_ABI}
  IONCYCLE_TORCH_VERSION="${IONCYCLE_TORCH_VERSION}")
set(_torch_libs "${_tlib}/libtorch.so" "${_tlib}/libtorch_cpu.so" "${_tlib}/libc10.so")
set(IONCYCLE_TORCH_HAS_CUDA OFF)
if(EXISTS "${_tlib}/libtorch_cuda.so")
  set(IONCYCLE_TORCH_HAS_CUDA ON)
  list(APPEND _torch_libs "${_tlib}/libtorch_cuda.so" "${_tlib}/libc10_cuda.so")
  # Link-time lookup of libtorch_cuda's own dependencies (cudart, cublas, cudnn, nccl, ...).
  file(GLOB _nv_dirs LIST_DIRECTORIES true "${IONCYCLE_TORCH_DIR}/../nvidia/*/lib")
  foreach(d IN LISTS _nv_dirs)
    target_link_options(ioncycle_torch INTERFACE "LINKER:-rpath-link,${d}")
  endforeach()
endif()
# libstdc++ goes first: libtorch.so and libtorch_cpu.so export their own copies of
# std::filesystem functions (nm -D shows e.g. std::filesystem::remove_all defined in libtorch.so).
# The dynamic linker binds every symbol to the first library in load order that defines it, so
# with libtorch ahead of libstdc++ our calls to std::filesystem::remove_all jumped into
# libtorch's copy and crashed (null call). Listing libstdc++ first in DT_NEEDED makes the
# system's definitions win for everyone.
target_link_libraries(ioncycle_torch INTERFACE "-Wl,--no-as-needed" stdc++ ${_torch_libs} "-Wl,--as-needed")
target_compile_definitions(ioncycle_torch INTERFACE
  IONCYCLE_TORCH_HAS_CUDA=$<BOOL:${IONCYCLE_TORCH_HAS_CUDA}>)

# Every executable that (transitively) links libtorch gets the wheel's lib dir as DT_RPATH.
function(ioncycle_apply_torch_rpath target)
  set_target_properties(${target} PROPERTIES BUILD_RPATH "${_tlib}" INSTALL_RPATH "${_tlib}")
  target_link_options(${target} PRIVATE "LINKER:--disable-new-dtags")
endfunction()
