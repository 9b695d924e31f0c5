//! The scale-out manifests in `deploy/`: they parse, carry the fields
//! Kubernetes and AWS Batch require, and agree with each other and with
//! the CLI (the shard count, the index variable, the report folder).

mod common;

use std::path::Path;

use common::sandsift;
use yaml_rust2::{Yaml, YamlLoader};

fn repo(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn strings(y: &Yaml) -> Vec<String> {
    y.as_vec()
        .map(|v| {
            v.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Checks what the batch/v1 Job API requires of any Job.
fn check_job(doc: &Yaml) -> &Yaml {
    assert_eq!(doc["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(doc["kind"].as_str(), Some("Job"));
    let name = doc["metadata"]["name"].as_str().expect("metadata.name");
    // DNS-1123 label: lower case alphanumerics and '-'.
    assert!(
        name.len() <= 63
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "{name}"
    );
    let pod = &doc["spec"]["template"]["spec"];
    let restart = pod["restartPolicy"].as_str().expect("restartPolicy");
    assert!(["Never", "OnFailure"].contains(&restart), "{restart}");
    let containers = pod["containers"].as_vec().expect("containers");
    assert!(!containers.is_empty());
    for c in containers
        .iter()
        .chain(pod["initContainers"].as_vec().into_iter().flatten())
    {
        assert!(c["name"].as_str().is_some(), "container name");
        assert!(c["image"].as_str().is_some(), "container image");
    }
    // Every mounted volume is declared.
    let volumes: Vec<&str> = pod["volumes"]
        .as_vec()
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str())
        .collect();
    for c in containers {
        for m in c["volumeMounts"].as_vec().into_iter().flatten() {
            let v = m["name"].as_str().unwrap();
            assert!(
                volumes.contains(&v),
                "volume {v} is mounted but not declared"
            );
            assert!(m["mountPath"].as_str().is_some());
        }
    }
    &containers[0]
}

#[test]
fn the_indexed_job_and_its_merge_job_are_valid_and_agree() {
    let docs = YamlLoader::load_from_str(&repo("deploy/k8s/indexed-job.yaml")).unwrap();
    assert_eq!(docs.len(), 2);
    let scan = &docs[0];
    let container = check_job(scan);
    assert_eq!(scan["spec"]["completionMode"].as_str(), Some("Indexed"));
    let completions = scan["spec"]["completions"].as_i64().expect("completions");
    assert!(scan["spec"]["parallelism"].as_i64().unwrap() <= completions);
    let args = strings(&container["args"]);
    assert_eq!(args[0], "scan");
    let shard = &args[args.iter().position(|a| a == "--shard").unwrap() + 1];
    assert_eq!(shard, &format!("env:JOB_COMPLETION_INDEX/{completions}"));
    let output = &args[args.iter().position(|a| a == "--output").unwrap() + 1];
    assert!(output.contains("{shard}"), "{output}");
    assert!(args.contains(&"json".to_string()));
    let env = container["env"].as_vec().unwrap();
    assert!(
        env.iter()
            .any(|e| e["name"].as_str() == Some("SANDSIFT_FINGERPRINT_KEY")
                && !e["valueFrom"]["secretKeyRef"]["name"].is_badvalue())
    );

    let merge = &docs[1];
    let container = check_job(merge);
    let args = strings(&container["args"]);
    assert_eq!(args[0], "merge");
    // The merge reads the folder the shards write to.
    let folder = Path::new(output).parent().unwrap();
    assert_eq!(Path::new(&args[1]), folder);
    let wait = strings(&merge["spec"]["template"]["spec"]["initContainers"][0]["command"]);
    assert!(
        wait.join(" ").contains(&format!("-ge {completions}")),
        "{wait:?}"
    );

    // The CLI accepts the scan's arguments as written.
    let out = sandsift()
        .env("JOB_COMPLETION_INDEX", "0")
        .env("SANDSIFT_FINGERPRINT_KEY", "k")
        .arg("scan")
        .arg("--help")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--shard <I/N>"));
}

#[test]
fn the_aws_batch_definitions_are_valid_and_agree() {
    let defs: serde_json::Value =
        serde_json::from_str(&repo("deploy/aws-batch/job-definitions.json")).unwrap();
    for which in ["scan", "merge"] {
        let d = &defs[which];
        assert!(d["jobDefinitionName"].as_str().is_some());
        assert_eq!(d["type"], "container");
        let c = &d["containerProperties"];
        assert!(c["image"].as_str().is_some());
        assert!(c["command"].as_array().is_some_and(|a| !a.is_empty()));
        let volumes: Vec<&str> = c["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        for m in c["mountPoints"].as_array().unwrap() {
            assert!(volumes.contains(&m["sourceVolume"].as_str().unwrap()));
        }
    }
    let command: Vec<&str> = defs["scan"]["containerProperties"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let shard = command[command.iter().position(|a| *a == "--shard").unwrap() + 1];
    assert!(
        shard.starts_with("env:AWS_BATCH_JOB_ARRAY_INDEX/"),
        "{shard}"
    );
    let submit = repo("deploy/aws-batch/submit.sh");
    assert!(submit.contains("--array-properties") && submit.contains("--depends-on"));
}
