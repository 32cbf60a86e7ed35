/// The report's stylesheet and its one inline script, kept apart from the markup they dress.
enum ReportStyle {
    /// Inline CSS: system fonts only (the file must open the same with no network), A4 print rules.
    static let css = """
        :root{--ink:#1b1f24;--muted:#5b6470;--line:#d5dae1;--soft:#f4f6f9;--crit:#b3261e;--high:#d9480f;
        --med:#b7791f;--ok:#2e7d32;--restrict:#c62828;--mono:"DejaVu Sans Mono","Noto Sans Mono",ui-monospace,monospace;}
        *{box-sizing:border-box}
        html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
        body{margin:0;background:#e9ecf0;color:var(--ink);
        font-family:"Noto Sans CJK JP","Hiragino Sans","Hiragino Kaku Gothic ProN","Yu Gothic","Meiryo",sans-serif;
        font-size:14px;line-height:1.5}
        .page{max-width:1200px;margin:0 auto;background:#fff;padding:28px 32px 40px}
        .en{color:var(--muted);font-weight:normal;font-size:.8em;margin-left:.5em}
        p.en,div.en{margin-left:0}
        code,.mono{font-family:var(--mono);font-size:.92em}
        header.title{border-bottom:3px solid var(--ink);padding-bottom:10px;margin-bottom:16px}
        header.title .kicker{margin:0;color:var(--muted);font-size:13px}
        header.title h1{margin:2px 0 6px;font-size:26px;letter-spacing:.02em}
        .facts{display:flex;flex-wrap:wrap;gap:4px 22px;margin:0;font-size:13px}
        .facts div{white-space:nowrap}
        .facts dt{display:inline;color:var(--muted)}
        .facts dd{display:inline;margin:0 0 0 .4em;font-weight:600}
        h2{font-size:19px;margin:26px 0 8px;padding-bottom:3px;border-bottom:1px solid var(--line)}
        h3{font-size:15px;margin:16px 0 6px}
        .note{color:var(--muted);font-size:12.5px;margin:4px 0 8px}
        table{border-collapse:collapse}
        table.grid{width:100%;font-size:12.5px}
        table.grid th,table.grid td{border:1px solid var(--line);padding:3px 6px;vertical-align:top;text-align:left}
        table.grid thead th{background:var(--soft);font-weight:600;white-space:nowrap}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        .sev{display:inline-block;min-width:3.2em;text-align:center;border-radius:3px;padding:0 5px;color:#fff;
        font-size:12px;font-weight:600;white-space:nowrap}
        .sev.critical{background:var(--crit)}.sev.high{background:var(--high)}.sev.medium{background:var(--med)}
        .kind{display:inline-block;border-radius:3px;padding:0 5px;font-size:12px;border:1px solid;white-space:nowrap}
        .kind.mynumber{color:#6a1b9a}.kind.lgwan{color:#00695c}.kind.internet{color:#1565c0}
        .badge{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;white-space:nowrap}
        .badge.bad{background:#fde8e7;color:var(--crit)}.badge.warn{background:#fff4d6;color:#8a5a00}
        .badge.good{background:#e6f4ea;color:var(--ok)}
        /* verdict */
        .verdict{border:2px solid;border-radius:6px;padding:14px 18px;margin:6px 0 10px}
        .verdict.violations{border-color:var(--crit);background:#fff7f6}
        .verdict.clean{border-color:var(--ok);background:#f3faf4}
        .verdict.clean.limited{border-color:#e0a800;background:#fffaf0}
        .verdict-head{display:flex;align-items:center;gap:16px;flex-wrap:wrap}
        .verdict-head svg{flex:none}
        .verdict-text{flex:1 1 380px}
        .verdict-title{font-size:24px;font-weight:700;margin:0;line-height:1.3}
        .verdict.violations .verdict-title{color:var(--crit)}.verdict.clean .verdict-title{color:var(--ok)}.verdict.clean.limited .verdict-title{color:#8a5a00}
        .verdict-sub{margin:2px 0 0;color:var(--muted)}
        .tally{display:flex;gap:8px;flex-wrap:wrap}
        .tally div{border:1px solid var(--line);background:#fff;border-radius:5px;padding:4px 12px;text-align:center;
        min-width:86px}
        .tally b{display:block;font-size:22px;line-height:1.2}
        .tally .critical b{color:var(--crit)}.tally .high b{color:var(--high)}.tally .medium b{color:var(--med)}
        table.rules{width:100%;margin-top:12px;font-size:13px;background:#fff}
        table.rules td,table.rules th{border-top:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
        table.rules tr.zero td{color:#98a0aa}
        table.rules tr.zero .sev{opacity:.45}
        .pairs{color:var(--muted);font-size:12px}
        .limits-note{margin:10px 0 0;padding:6px 10px;background:#fff4d6;border-left:4px solid #e0a800;font-size:13px}
        /* heat map */
        .matrices{display:flex;flex-wrap:wrap;gap:16px 20px;align-items:flex-start}
        table.heatmap{font-size:12px}
        table.heatmap caption{text-align:left;font-weight:600;padding-bottom:4px;font-size:13px}
        table.heatmap th{font-weight:600;padding:2px 6px;white-space:nowrap}
        table.heatmap thead th{font-family:var(--mono);font-size:10px;font-weight:normal;vertical-align:bottom;
        text-align:center;padding:2px 2px;overflow-wrap:anywhere}
        table.heatmap tbody th{text-align:right;font-size:12px;line-height:1.2}
        table.heatmap tbody th small{display:block;font-family:var(--mono);font-weight:normal;color:var(--muted);font-size:10.5px}
        table.heatmap td{width:56px;min-width:56px;height:38px;padding:0 2px;text-align:center;border:1px solid #fff;
        font-variant-numeric:tabular-nums;position:relative;white-space:nowrap}
        table.heatmap th.corner{font-family:inherit;font-weight:normal;color:var(--muted);font-size:10.5px;text-align:right}
        td.h0{background:#f6f7f9;color:#b0b6bf}td.h1{background:#e3eef9}td.h2{background:#cfe1f2}td.h3{background:#b5d4e9}
        td.h4{background:#93c3df}td.h5{background:#6daed5;color:#fff}td.h6{background:#4b97c9;color:#fff}
        td.h7{background:#2f7ebc;color:#fff}td.h8{background:#1764ab;color:#fff}
        td.restricted{outline:2px dashed #e5a3a3;outline-offset:-3px}
        td.restricted.crossed{outline:3px solid var(--restrict);outline-offset:-3px}
        .vbadge{position:absolute;top:1px;right:2px;background:var(--restrict);color:#fff;border-radius:8px;
        font-size:10px;line-height:14px;min-width:14px;padding:0 3px;font-weight:700}
        .legend{display:flex;flex-wrap:wrap;align-items:center;gap:6px 18px;font-size:12px;color:var(--muted);margin:8px 0 0}
        .legend .scale{display:inline-flex;align-items:center;gap:0}
        .legend .scale i{display:inline-block;width:18px;height:14px}
        .legend .box{display:inline-block;width:22px;height:16px;vertical-align:middle;margin-right:4px;background:#e3eef9}
        .legend .box.solid{outline:3px solid var(--restrict);outline-offset:-3px}
        .legend .box.dashed{outline:2px dashed #e5a3a3;outline-offset:-3px;background:#f6f7f9}
        /* timeline */
        figure{margin:0}
        svg.timeline{width:100%;height:auto;display:block;font-family:inherit}
        /* violations */
        .flowid{font-family:var(--mono);font-size:11px;color:var(--muted);word-break:break-all}
        .sub{color:var(--muted);font-size:11.5px}
        .zone{color:var(--muted);font-size:11.5px;margin-left:.3em}
        .arrow{color:var(--muted);margin:0 .25em}
        footer{margin-top:30px;padding-top:8px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}
        @page{size:A4;margin:12mm 11mm 14mm;
        @bottom-right{content:counter(page) " / " counter(pages);font-size:8pt;color:#5b6470}
        @bottom-left{content:"zonesep 監査報告書 / audit report";font-size:8pt;color:#5b6470}}
        @media print{
        body{background:#fff;font-size:9pt}
        .page{max-width:none;padding:0}
        h2{break-after:avoid;margin-top:16px;font-size:13pt}
        h3{break-after:avoid}
        tr,.verdict,.legend,figure,table.heatmap{break-inside:avoid}
        thead{display:table-header-group}
        table.grid,table.rules{font-size:8pt}
        table.heatmap td{height:30px;width:54px;min-width:54px}
        table.heatmap thead th{font-size:8.5px}
        section.zonemap,section.scope{break-before:page}
        }
        """

    /// Marks the document when it has loaded, and counts script errors, failed loads and blocked requests, so
    /// a test (or a curious reader's developer tools) can see that the file rendered cleanly on its own.
    static let script =
        "(function(){var d=document.documentElement;d.setAttribute('data-errors','0');"
        + "function bump(){d.setAttribute('data-errors',String(Number(d.getAttribute('data-errors'))+1));}"
        + "window.addEventListener('error',bump,true);"
        + "document.addEventListener('securitypolicyviolation',bump);"
        + "window.addEventListener('load',function(){d.setAttribute('data-loaded','yes');});})();"
}
