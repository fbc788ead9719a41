#include "cli/run.hpp"

int main(int argc, char** argv) { return vigie::cli::run(argc, argv); }
