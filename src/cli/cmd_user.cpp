// paperboy user: accounts from the command line — the first admin of a new instance, tokens
// for scripts, roles.
//   paperboy user add   --db FILE --handle H --email E --password-stdin [--role ROLE]
//   paperboy user token --db FILE --handle H [--name NAME]   (the token on the last line)
//   paperboy user role  --db FILE --handle H --role ROLE
#include <cstdio>
#include <iostream>
#include <string>

#include "app/accounts.h"
#include "cli/common.h"

namespace paperboy::cli {
namespace {

// The password on stdin: its first line, without the line break (as `passwd --stdin` and
// `docker login --password-stdin` read it). At most 4 KB are read.
Result<std::string> read_password() {
    std::string line;
    if (!std::getline(std::cin, line) && line.empty()) {
        return Error(ErrorCode::kInvalidArgument, "--password-stdin: no password on stdin");
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > 4096) {
        return Error(ErrorCode::kInvalidArgument, "--password-stdin: the password is too long");
    }
    return line;
}

Result<Role> role_from(const std::string& name) {
    auto role = parse_role(name);
    if (!role) {
        return Error(ErrorCode::kInvalidArgument,
                     "--role must be member, curator or admin, not '" + name + "'");
    }
    return *role;
}

Result<User> user_named(app::Accounts& accounts, const std::string& handle) {
    auto user = accounts.find_user(handle);
    if (!user.ok()) return user.error();
    if (!*user) return Error(ErrorCode::kNotFound, "no user '" + handle + "'");
    return **user;
}

}  // namespace

void add_user_command(CLI::App& app, Action& action) {
    struct Options {
        std::string db;
        std::string handle;
        std::string email;
        std::string role = "member";
        std::string name = "cli";
        bool password_stdin = false;
    };
    auto opts = std::make_shared<Options>();
    CLI::App* users = app.add_subcommand("user", "Manage accounts: add users, issue API tokens");
    users->require_subcommand(1);

    CLI::App* add = users->add_subcommand("add", "Create an account");
    add_db_option(add, opts->db);
    add->add_option("--handle", opts->handle, "Handle: 2-32 letters, digits, '_' or '-'")
        ->required();
    add->add_option("--email", opts->email, "Email address")->required();
    add->add_flag("--password-stdin", opts->password_stdin,
                  "Read the password from the first line of stdin (at least 10 characters)")
        ->required();
    add->add_option("--role", opts->role, "member, curator or admin")->capture_default_str();
    add->footer(
        "Example:\n  printf '%s\\n' \"$ADMIN_PASSWORD\" | \\\n"
        "    paperboy user add --db papers.db --handle ada --email ada@example.org \\\n"
        "      --password-stdin --role admin");
    add->callback([opts, &action] {
        action = [opts] {
            auto role = role_from(opts->role);
            if (!role.ok()) return fail(role.error());
            auto password = read_password();
            if (!password.ok()) return fail(password.error());
            auto store = open_db(opts->db, /*must_exist=*/false);
            if (!store.ok()) return fail(store.error());
            app::Accounts accounts(**store);
            auto created = accounts.sign_up(opts->handle, opts->email, *password, *role);
            if (!created.ok()) return fail(created.error());
            std::printf("added %s <%s> as %s (user %lld)\n", created->handle.c_str(),
                        created->email.c_str(), std::string(role_name(created->role)).c_str(),
                        static_cast<long long>(created->id));
            return static_cast<int>(kExitOk);
        };
    });

    CLI::App* token = users->add_subcommand("token", "Issue an API token for a user");
    add_db_option(token, opts->db);
    token->add_option("--handle", opts->handle, "The user's handle or email")->required();
    token->add_option("--name", opts->name, "A label for the token, shown in the settings")
        ->capture_default_str();
    token->footer(
        "The token is printed once, on the last line; only its digest is stored. Use it as\n"
        "'Authorization: Bearer TOKEN'.\n\nExample:\n"
        "  TOKEN=$(paperboy user token --db papers.db --handle ada | tail -n 1)\n"
        "  curl -X POST -H \"Authorization: Bearer $TOKEN\" \\\n"
        "    http://127.0.0.1:8080/api/papers/2410.13848/upvote");
    token->callback([opts, &action] {
        action = [opts] {
            auto store = open_db(opts->db, /*must_exist=*/true);
            if (!store.ok()) return fail(store.error());
            app::Accounts accounts(**store);
            auto user = user_named(accounts, opts->handle);
            if (!user.ok()) return fail(user.error());
            auto issued = accounts.create_api_token(user->id, opts->name);
            if (!issued.ok()) return fail(issued.error());
            std::fprintf(stderr, "API token '%s' for %s (shown once; keep it secret):\n",
                         opts->name.c_str(), user->handle.c_str());
            std::printf("%s\n", issued->c_str());
            return static_cast<int>(kExitOk);
        };
    });

    CLI::App* role = users->add_subcommand("role", "Change a user's role");
    add_db_option(role, opts->db);
    role->add_option("--handle", opts->handle, "The user's handle or email")->required();
    role->add_option("--role", opts->role, "member, curator or admin")->required();
    role->footer("Example:\n  paperboy user role --db papers.db --handle grace --role curator");
    role->callback([opts, &action] {
        action = [opts] {
            auto new_role = role_from(opts->role);
            if (!new_role.ok()) return fail(new_role.error());
            auto store = open_db(opts->db, /*must_exist=*/true);
            if (!store.ok()) return fail(store.error());
            app::Accounts accounts(**store);
            auto user = user_named(accounts, opts->handle);
            if (!user.ok()) return fail(user.error());
            Status set = accounts.set_role(user->id, *new_role);
            if (!set.ok()) return fail(set.error());
            std::printf("%s is now %s\n", user->handle.c_str(),
                        std::string(role_name(*new_role)).c_str());
            return static_cast<int>(kExitOk);
        };
    });
}

}  // namespace paperboy::cli
