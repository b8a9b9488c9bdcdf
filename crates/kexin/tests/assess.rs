//! Assessments from the command line: answers, all-or-nothing import,
//! evidence, the review workflow, level reached and diff.

mod support;

use serde_json::Value;
use support::{kexin, kexin_env, stderr, stdout};

fn json(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}\n{}", stdout(o), stderr(o));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[test]
fn an_assessment_from_draft_to_sign_off() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| kexin(&data, args);
    assert!(run(&["init"]).status.success());
    assert!(
        run(&["tenant", "create", "acme", "--name", "Acme"])
            .status
            .success()
    );
    assert!(
        run(&[
            "user", "create", "--tenant", "acme", "ann", "--role", "auditor"
        ])
        .status
        .success()
    );
    assert!(
        run(&[
            "user", "create", "--tenant", "acme", "bob", "--role", "analyst"
        ])
        .status
        .success()
    );

    let o = run(&[
        "assess",
        "new",
        "--tenant",
        "acme",
        "--standard",
        "data-protection-evaluation",
        "--target",
        "acme-cloud",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--variant"),
        "a standard with variants needs one: {}",
        stderr(&o)
    );
    let a = json(&run(&[
        "--format",
        "json",
        "assess",
        "new",
        "--tenant",
        "acme",
        "--standard",
        "cloud-host",
        "--target",
        "acme-cloud",
        "--level",
        "basic",
    ]));
    let id = a["id"].as_str().unwrap().to_string();

    let show = json(&run(&[
        "--format", "json", "assess", "show", "--tenant", "acme", &id,
    ]));
    assert_eq!(show["evaluation"]["level_reached"], Value::Null);
    let basic: Vec<String> = show["evaluation"]["gaps_to_next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["point_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        basic.len(),
        56,
        "all basic points of the cloud-host standard are gaps at first"
    );

    // A file with one bad row changes nothing.
    let bad = dir.path().join("answers.csv");
    let mut csv = String::from("point,result,reason\n");
    for p in &basic {
        csv.push_str(&format!("{p},pass,\n"));
    }
    csv.push_str("cloud-host.no-such-point,pass,\n");
    std::fs::write(&bad, &csv).unwrap();
    let o = run(&[
        "assess",
        "import",
        "--tenant",
        "acme",
        &id,
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("line {}", basic.len() + 2))
            && stderr(&o).contains("cloud-host.no-such-point"),
        "{}",
        stderr(&o)
    );
    let show = json(&run(&[
        "--format", "json", "assess", "show", "--tenant", "acme", &id,
    ]));
    assert_eq!(show["results"], serde_json::json!([]), "nothing recorded");

    // The good file: everything passes but one point, which is partial.
    let good = dir.path().join("answers.yaml");
    let mut yaml = String::from("answers:\n");
    for (i, p) in basic.iter().enumerate() {
        let result = if i == 3 { "partial" } else { "pass" };
        yaml.push_str(&format!("  - point: {p}\n    result: {result}\n"));
    }
    std::fs::write(&good, yaml).unwrap();
    let e = json(&run(&[
        "--format",
        "json",
        "assess",
        "import",
        "--tenant",
        "acme",
        &id,
        good.to_str().unwrap(),
    ]));
    assert_eq!(e["level_reached"], Value::Null, "partial fails the level");
    let e = json(&run(&[
        "--format", "json", "assess", "answer", "--tenant", "acme", &id, &basic[3], "pass",
    ]));
    assert_eq!(e["level_reached"], "basic");

    // Evidence is stored by content and attached.
    let ev = dir.path().join("sshd_config");
    std::fs::write(&ev, "PermitRootLogin no\n").unwrap();
    let evidence = json(&run(&[
        "--format",
        "json",
        "assess",
        "attach",
        "--tenant",
        "acme",
        &id,
        &basic[0],
        "--file",
        ev.to_str().unwrap(),
    ]));
    let sha = evidence["sha256"].as_str().unwrap();
    assert!(data.join("blobs").join(&sha[..2]).join(sha).exists());

    // Review by a different auditor; the submitter cannot review.
    assert!(
        kexin_env(
            &data,
            &["assess", "submit", "--tenant", "acme", &id],
            &[("USER", "ann")]
        )
        .status
        .success()
    );
    let o = run(&[
        "assess",
        "review",
        "--tenant",
        "acme",
        &id,
        "--reviewer",
        "bob",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("auditor"), "{}", stderr(&o));
    let as_ann = [("USER", "ann"), ("SUDO_USER", "")];
    let o = kexin_env(
        &data,
        &[
            "assess",
            "review",
            "--tenant",
            "acme",
            &id,
            "--reviewer",
            "ann",
        ],
        &as_ann,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("different person"), "{}", stderr(&o));
    let o = kexin_env(
        &data,
        &[
            "assess",
            "review",
            "--tenant",
            "acme",
            &id,
            "--reviewer",
            "ann",
            "--note",
            "sampled 5 hosts",
        ],
        &[("USER", "root"), ("SUDO_USER", "")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let signed = json(&run(&[
        "--format", "json", "assess", "signoff", "--tenant", "acme", &id,
    ]));
    assert_eq!(
        (signed["status"].as_str(), signed["reviewed_by"].as_str()),
        (Some("signed_off"), Some("ann"))
    );

    // Frozen: later changes need a new assessment, which the diff compares.
    let o = run(&[
        "assess", "answer", "--tenant", "acme", &id, &basic[0], "fail",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("signed off and frozen"),
        "{}",
        stderr(&o)
    );
    let next = json(&run(&[
        "--format",
        "json",
        "assess",
        "new",
        "--tenant",
        "acme",
        "--standard",
        "cloud-host",
        "--target",
        "acme-cloud",
        "--level",
        "basic",
        "--supersedes",
        &id,
    ]));
    let next_id = next["id"].as_str().unwrap().to_string();
    assert!(
        run(&[
            "assess",
            "import",
            "--tenant",
            "acme",
            &next_id,
            good.to_str().unwrap()
        ])
        .status
        .success()
    );
    let diff = json(&run(&[
        "--format", "json", "assess", "diff", "--tenant", "acme", &id, &next_id,
    ]));
    assert_eq!(diff["before"]["level_reached"], "basic");
    assert_eq!(diff["after"]["level_reached"], Value::Null);
    let changes = diff["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{diff}");
    assert_eq!(
        (
            changes[0]["point_id"].as_str(),
            changes[0]["after"].as_str()
        ),
        (Some(basic[3].as_str()), Some("partial"))
    );

    let list = json(&run(&[
        "--format", "json", "assess", "list", "--tenant", "acme",
    ]));
    assert_eq!(list.as_array().unwrap().len(), 2);
    let other = json(&run(&[
        "--format",
        "json",
        "assess",
        "list",
        "--tenant",
        "acme",
        "--target",
        "elsewhere",
    ]));
    assert_eq!(other, serde_json::json!([]), "history is per target");
    let o = run(&["audit", "list", "--action", "assessment."]);
    for action in [
        "assessment.create",
        "assessment.answer",
        "assessment.submit",
        "assessment.review",
        "assessment.signoff",
    ] {
        assert!(
            stdout(&o).contains(action),
            "{action} audited:\n{}",
            stdout(&o)
        );
    }
    assert!(run(&["audit", "verify"]).status.success());

    // Reports of the signed-off assessment, in every format.
    let o = run(&[
        "--format", "json", "assess", "report", "--tenant", "acme", &id,
    ]);
    let report = json(&o);
    assert_eq!(report["status"], "signed_off");
    assert_eq!(report["points"].as_array().unwrap().len(), 88);
    let html = dir.path().join("report.html");
    let o = run(&[
        "--format",
        "html",
        "assess",
        "report",
        "--tenant",
        "acme",
        &id,
        "--lang",
        "zh",
        "--output",
        html.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("评估报告") && text.contains("基础级") && text.contains(&basic[0]));
    let pdf = dir.path().join("report.pdf");
    let o = run(&[
        "--format",
        "pdf",
        "assess",
        "report",
        "--tenant",
        "acme",
        &id,
        "--output",
        pdf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let o = run(&[
        "--format", "pdf", "assess", "report", "--tenant", "acme", &id,
    ]);
    assert_eq!(o.status.code(), Some(1), "a PDF needs --output");
    let o = run(&["--format", "html", "tenant", "list"]);
    assert_eq!(o.status.code(), Some(2), "html is for reports only");
}
