#include "http/bulk_api.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/search.hpp"
#include "lifecycle/export_parameters.hpp"

namespace vigie::http {

namespace {

constexpr std::string_view kStatusPath = "/fhir/$export-status/";
constexpr std::string_view kFilePath = "/fhir/$export-file/";

std::string base_of(const Request& request) {
  return request.host.empty() ? std::string() : "https://" + request.host;
}

// Whether an Accept header lists application/fhir+json.
bool accepts_fhir_json(std::string_view accept) {
  while (!accept.empty()) {
    const size_t comma = accept.find(',');
    if (media_type_of(accept.substr(0, comma)) == "application/fhir+json") {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    accept.remove_prefix(comma + 1);
  }
  return false;
}

// A query component as a URL carries it: unreserved characters as they are, the rest escaped.
std::string percent_encode_component(std::string_view text) {
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded.push_back(c);
    } else {
      encoded += fmt::format("%{:02X}", byte);
    }
  }
  return encoded;
}

std::string retry_after_seconds(const lifecycle::ExportJobs& jobs) {
  return std::to_string(std::max<int64_t>(1, (jobs.settings().poll_interval_ms + 999) / 1000));
}

// The request as the manifest's `request` states it: the kick-off URL with its query.
std::string request_url(const Request& request) {
  std::string url = base_of(request) + request.path;
  char separator = '?';
  for (const auto& [name, value] : request.query) {
    url += separator;
    url += percent_encode_component(name) + "=" + percent_encode_component(value);
    separator = '&';
  }
  return url;
}

void kick_off(const BulkExport& bulk, lifecycle::ExportLevel level, const Request& request,
              const PathParameters& path, gate::Gate& gate, const gate::Principal& principal,
              Reply reply) {
  if (!accepts_fhir_json(request.accept)) {
    reply(outcome_response(400, "not-supported", "Accept: application/fhir+json est requis",
                           "Accept: application/fhir+json is required"));
    return;
  }
  const lifecycle::ExportPreferences preferences = lifecycle::parse_prefer(request.prefer);
  if (!preferences.respond_async) {
    reply(outcome_response(400, "not-supported", "Prefer: respond-async est requis",
                           "Prefer: respond-async is required"));
    return;
  }
  QueryParameters given = request.query;
  if (request.method == Method::kPost) {
    if (media_type_of(request.content_type) != "application/fhir+json" &&
        media_type_of(request.content_type) != "application/json") {
      reply(outcome_response(415, "not-supported", "le corps doit être en application/fhir+json",
                             "the body must be application/fhir+json"));
      return;
    }
    auto body = fhir::parse_json_object(request.body);
    if (!body) {
      reply(outcome_response(
          Error{ErrorCode::kInvalidInput, body.error().message, body.error().french}));
      return;
    }
    auto pairs = lifecycle::parameters_of_body(*body);
    if (!pairs) {
      reply(outcome_response(pairs.error()));
      return;
    }
    given.insert(given.end(), pairs->begin(), pairs->end());
  }
  auto parameters = lifecycle::parse_export_parameters(given, preferences.lenient, level);
  if (!parameters) {
    reply(outcome_response(parameters.error()));
    return;
  }
  if (level == lifecycle::ExportLevel::kGroup && !fhir::is_valid_id(path["id"])) {
    reply(
        outcome_response(400, "value", "identifiant de ressource invalide", "invalid resource id"));
    return;
  }
  gate::Gate::ExportScope scope{level,
                                std::string(path["id"]),
                                parameters->types,
                                parameters->since_ms,
                                parameters->elements,
                                parameters->type_filters,
                                parameters->patients,
                                {}};
  // Runs on the audit committer once the kick-off's entry is durable: a slot, a job queued, the
  // answer; nothing there waits or calls the gate.
  auto admitted = [&jobs = bulk.jobs, &runner = bulk.runner, reply, principal, scope,
                   url = request_url(request), base = base_of(request),
                   ignored = parameters->ignored](Result<std::string> owner) {
    if (!owner) {
      reply(outcome_response(owner.error()));
      return;
    }
    auto job = jobs.reserve(*owner, url, ignored);
    if (!job) {
      Response busy = outcome_response(429, "throttled", "trop d'exports en cours, réessayez",
                                       "too many exports running, retry later");
      busy.headers.emplace_back("Retry-After", retry_after_seconds(jobs));
      reply(std::move(busy));
      return;
    }
    const std::string id = *job;
    gate::Gate::ExportScope job_scope = scope;
    job_scope.file_url_base = base + std::string(kFilePath) + id + "/";
    const bool queued = runner.submit([&jobs, principal, scope = std::move(job_scope), id,
                                       ignored](gate::Gate& job_gate) {
      auto files = jobs.start(id);
      if (!files) {
        jobs.finish(id, tl::unexpected(files.error()));
        return;
      }
      if (!ignored.empty()) {
        // What handling=lenient left out, as the manifest's error[] file (no patient data).
        boost::json::object outcome = fhir::make_operation_outcome(
            "not-supported",
            fmt::format("paramètres ignorés / parameters ignored: {}", fmt::join(ignored, ", ")));
        outcome["issue"].as_array().front().as_object()["severity"] = "warning";
        if (auto noted = files->append("OperationOutcome", {}, fhir::to_json_text(outcome));
            !noted) {
          jobs.finish(id, tl::unexpected(noted.error()));
          return;
        }
      }
      auto written = job_gate.run_export(principal, scope, *files);
      if (!written) {
        jobs.finish(id, tl::unexpected(written.error()));
        return;
      }
      jobs.finish(id, files->finish());
    });
    if (!queued) {
      jobs.discard(id);
      Response busy = outcome_response(503, "transient", "service saturé, réessayez",
                                       "service busy, retry later");
      busy.headers.emplace_back("Retry-After", retry_after_seconds(jobs));
      reply(std::move(busy));
      return;
    }
    Response accepted;
    accepted.status = 202;
    accepted.content_type.clear();
    accepted.headers.emplace_back("Content-Location", base + std::string(kStatusPath) + id);
    reply(std::move(accepted));
  };
  if (auto called = gate.admit_export(principal, scope, std::move(admitted)); !called) {
    reply(outcome_response(called.error()));
  }
}

// The manifest of a finished job (export.html#response---complete-status): the files of
// OperationOutcome (the parameters left out under handling=lenient) are its error[].
boost::json::object manifest(const lifecycle::ExportJobView& view, const std::string& base,
                             std::string_view job_id) {
  boost::json::array output;
  boost::json::array errors;
  for (const lifecycle::ExportOutput& file : view.outputs) {
    if (file.attachment) {
      continue;  // reached through the url of the attachment that refers to it
    }
    boost::json::object item{
        {"type", file.type},
        {"url", base + std::string(kFilePath) + std::string(job_id) + "/" + file.file},
        {"count", file.count}};
    (file.type == "OperationOutcome" ? errors : output).push_back(std::move(item));
  }
  return boost::json::object{{"transactionTime", fhir::format_instant(view.transaction_time_ms)},
                             {"request", view.request_url},
                             {"requiresAccessToken", true},
                             {"output", std::move(output)},
                             {"error", std::move(errors)}};
}

void status(const BulkExport& bulk, const Request& request, const PathParameters& path,
            gate::Gate& gate, const gate::Principal& principal, Reply reply) {
  auto answered = [&jobs = bulk.jobs, reply, base = base_of(request),
                   job = std::string(path["job"])](Result<gate::Gate::ExportJobAnswer> answer) {
    if (!answer) {
      reply(outcome_response(answer.error()));
      return;
    }
    const lifecycle::ExportJobView& view = *answer->view;
    if (jobs.polled_too_soon(job)) {
      Response slow = outcome_response(429, "throttled", "interrogé trop souvent, attendez",
                                       "polled too often, wait");
      slow.headers.emplace_back("Retry-After", retry_after_seconds(jobs));
      reply(std::move(slow));
      return;
    }
    switch (view.state) {
      case lifecycle::ExportJobView::State::kRunning: {
        Response running;
        running.status = 202;
        running.content_type.clear();
        running.headers.emplace_back("X-Progress",
                                     fmt::format("{} resources written", view.resources_written));
        running.headers.emplace_back("Retry-After", retry_after_seconds(jobs));
        reply(std::move(running));
        return;
      }
      case lifecycle::ExportJobView::State::kFailed: {
        Error shown = view.failure.value_or(Error{});
        reply(outcome_response(
            500, "exception",
            "l'export a échoué : " +
                (shown.french.empty() ? std::string(french_summary_of(shown.code)) : shown.french),
            "the export failed: " + shown.message));
        return;
      }
      case lifecycle::ExportJobView::State::kDone: {
        Response done = json_response(200, manifest(view, base, job), "application/json");
        done.headers.emplace_back("Expires", fhir::format_instant(view.expires_ms));
        reply(std::move(done));
        return;
      }
    }
  };
  if (auto called = gate.export_job(principal, bulk.jobs, path["job"],
                                    gate::Gate::ExportJobCall::kStatus, {}, std::move(answered));
      !called) {
    reply(outcome_response(called.error()));
  }
}

void cancel(const BulkExport& bulk, const Request&, const PathParameters& path, gate::Gate& gate,
            const gate::Principal& principal, Reply reply) {
  auto answered = [reply](Result<gate::Gate::ExportJobAnswer> answer) {
    if (!answer) {
      reply(outcome_response(answer.error()));
      return;
    }
    Response accepted;
    accepted.status = 202;
    accepted.content_type.clear();
    reply(std::move(accepted));
  };
  if (auto called = gate.export_job(principal, bulk.jobs, path["job"],
                                    gate::Gate::ExportJobCall::kDelete, {}, std::move(answered));
      !called) {
    reply(outcome_response(called.error()));
  }
}

void download(const BulkExport& bulk, const Request&, const PathParameters& path, gate::Gate& gate,
              const gate::Principal& principal, Reply reply) {
  auto answered = [reply](Result<gate::Gate::ExportJobAnswer> answer) {
    if (!answer) {
      reply(outcome_response(answer.error()));
      return;
    }
    Response file;
    file.content_type = std::move(answer->content_type);
    file.body = std::move(answer->ndjson);
    reply(std::move(file));
  };
  if (auto called =
          gate.export_job(principal, bulk.jobs, path["job"], gate::Gate::ExportJobCall::kDownload,
                          path["file"], std::move(answered));
      !called) {
    reply(outcome_response(called.error()));
  }
}

}  // namespace

void add_bulk_export_routes(Router& router, const BulkExport& bulk) {
  for (const Method method : {Method::kGet, Method::kPost}) {
    for (const auto& [pattern, level] :
         {std::pair{"/fhir/$export", lifecycle::ExportLevel::kSystem},
          std::pair{"/fhir/Patient/$export", lifecycle::ExportLevel::kPatient},
          std::pair{"/fhir/Group/{id}/$export", lifecycle::ExportLevel::kGroup}}) {
      router.add_authenticated(
          method, pattern,
          [bulk, level](const Request& request, const PathParameters& path, gate::Gate& gate,
                        const gate::Principal& principal, Reply reply) {
            kick_off(bulk, level, request, path, gate, principal, std::move(reply));
          });
    }
  }
  auto bound = [bulk](auto handler) {
    return [bulk, handler](const Request& request, const PathParameters& path, gate::Gate& gate,
                           const gate::Principal& principal, Reply reply) {
      handler(bulk, request, path, gate, principal, std::move(reply));
    };
  };
  router.add_authenticated(Method::kGet, "/fhir/$export-status/{job}", bound(status));
  router.add_authenticated(Method::kDelete, "/fhir/$export-status/{job}", bound(cancel));
  router.add_authenticated(Method::kGet, "/fhir/$export-file/{job}/{file}", bound(download));
}

void declare_bulk_export(boost::json::object& statement) {
  statement["instantiates"] =
      boost::json::array{"http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"};
  auto operation = [](std::string_view name, std::string_view definition) {
    return boost::json::object{{"name", name}, {"definition", definition}};
  };
  boost::json::array& rests = statement["rest"].as_array();
  if (rests.empty()) {
    return;
  }
  boost::json::object& rest = rests.front().as_object();
  rest["operation"] = boost::json::array{
      operation("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export")};
  for (boost::json::value& resource : rest["resource"].as_array()) {
    boost::json::object& object = resource.as_object();
    const std::string_view type = object.at("type").as_string();
    if (type != "Patient" && type != "Group") {
      continue;
    }
    boost::json::array operations;
    if (const boost::json::value* existing = object.if_contains("operation")) {
      operations = existing->as_array();
    }
    operations.push_back(operation(
        "export", type == "Patient"
                      ? "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"
                      : "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"));
    object["operation"] = std::move(operations);
  }
}

}  // namespace vigie::http
