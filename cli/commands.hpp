// The subcommands of `chipreg`. Each takes the full argv and the index of its first
// argument, and returns the process exit status. The table in main.cpp is the one place
// that maps names to these functions; a new subcommand adds a line there.
#pragma once

namespace chipreg::cli {

int cmd_init(int argc, char** argv, int first);
int cmd_evaluate(int argc, char** argv, int first);
int cmd_serve(int argc, char** argv, int first);
int cmd_keygen(int argc, char** argv, int first);
int cmd_sign(int argc, char** argv, int first);
int cmd_verify(int argc, char** argv, int first);
int cmd_import(int argc, char** argv, int first);
int cmd_export(int argc, char** argv, int first);
int cmd_log(int argc, char** argv, int first);
int cmd_backup(int argc, char** argv, int first);
int cmd_restore(int argc, char** argv, int first);
int cmd_token(int argc, char** argv, int first);
int cmd_key(int argc, char** argv, int first);

}  // namespace chipreg::cli
