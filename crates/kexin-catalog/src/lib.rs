#[cfg(test)]
mod exp {
    use serde::Deserialize;
    use serde_saphyr::Spanned;
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct T {
        zh: String,
        en: String,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct P {
        id: String,
        statement: T,
        weight: u8,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct S {
        id: String,
        points: Vec<P>,
    }
    #[derive(Debug, Deserialize)]
    struct LP {
        id: Spanned<String>,
        weight: Spanned<u8>,
    }
    #[derive(Debug, Deserialize)]
    struct LS {
        points: Spanned<Vec<LP>>,
    }

    #[test]
    fn exp() {
        let docs = [
            "id: x\npoints:\n  - id: a\n    statement: {zh: a, en: b}\n    wieght: 3\n",
            "id: x\npoints:\n  - id: a\n    statement:\n      zh: a\n    weight: 3\n",
            "id: x\npoints:\n  - id: a\n    statement: {zh: a, en: b}\n    weight: 300\n",
            "id: x\npoints:\n  - id: a\n    statement: {zh: a, en: b}\n    weight: 3\n  - id: b\n    statement: {zh: a, en: b}\n    weight: 3\n    weight: 4\n",
            "id: x\npoints: [\n",
            "id: x\npoints:\n  - id: a\n    statement: {zh: a, en: b}\n    weight: three\n",
        ];
        for d in docs {
            match serde_saphyr::from_str::<S>(d) {
                Ok(v) => println!("OK {v:?}"),
                Err(e) => println!(
                    "ERR display=<<{e}>>\n  nosnip=<<{}>> loc={:?}",
                    e.without_snippet(),
                    e.location().map(|l| (l.line(), l.column()))
                ),
            }
        }
        let l: LS =
            serde_saphyr::from_str("points:\n  - id: a\n    weight: 3\n  - id: b\n    weight: 4\n")
                .unwrap();
        for p in &l.points.value {
            println!(
                "{} {}:{} w {}:{}",
                p.id.value,
                p.id.referenced.line(),
                p.id.referenced.column(),
                p.weight.referenced.line(),
                p.weight.referenced.column()
            );
        }
        println!(
            "points {}:{}",
            l.points.referenced.line(),
            l.points.referenced.column()
        );
        let v: serde_json::Value =
            serde_saphyr::from_str("a: 1\nb: [x, 'y']\nc: yes\nd: 1.5\n").unwrap();
        println!("{v}");
    }
}
