<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="az_AZ">
<context>
    <name>ChatPanel</name>
    <message>
        <source>Send</source>
        <translation>Göndər</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Dayandır</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>Yenidən yarat</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Təmizlə</translation>
    </message>
    <message>
        <source>Open model…</source>
        <translation>Modeli aç…</translation>
    </message>
    <message>
        <source>One line per reply</source>
        <translation>Hər cavab bir sətir</translation>
    </message>
    <message>
        <source>Replies appear here, token by token.</source>
        <translation>Cavablar burada token-token görünür.</translation>
    </message>
    <message>
        <source>Type a prompt — Enter sends, Shift+Enter adds a line</source>
        <translation>Mətn yazın — Enter göndərir, Shift+Enter yeni sətir əlavə edir</translation>
    </message>
    <message>
        <source>No model yet: train until the first evaluation, or open an export.</source>
        <translation>Hələ model yoxdur: ilk qiymətləndirməyə qədər öyrədin və ya ixracı açın.</translation>
    </message>
    <message>
        <source>0 = greedy (always the most likely token)</source>
        <translation>0 = acgöz (həmişə ən ehtimallı token)</translation>
    </message>
    <message>
        <source>Keep the K most likely tokens; 0 = off</source>
        <translation>Ən ehtimallı K tokeni saxla; 0 = söndürülüb</translation>
    </message>
    <message>
        <source>Keep the most likely tokens up to this probability mass; 1 = off</source>
        <translation>Bu ehtimal kütləsinə qədər ən ehtimallı tokenləri saxla; 1 = söndürülüb</translation>
    </message>
    <message>
        <source>Drop tokens less likely than this fraction of the best one; 0 = off</source>
        <translation>Ən yaxşının bu hissəsindən az ehtimallı tokenləri at; 0 = söndürülüb</translation>
    </message>
    <message>
        <source>Above 1 makes tokens already in the conversation less likely; 1 = off</source>
        <translation>1-dən böyük dəyər söhbətdə artıq olan tokenləri az ehtimallı edir; 1 = söndürülüb</translation>
    </message>
    <message>
        <source>random</source>
        <translation>təsadüfi</translation>
    </message>
    <message>
        <source>The same seed gives the same reply; random = a new one each time</source>
        <translation>Eyni toxum eyni cavabı verir; təsadüfi = hər dəfə yenisi</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>Seçmə</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>Temperatur</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <source>Repetition penalty</source>
        <translation>Təkrar cəzası</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>Maks. yeni token</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>Toxum</translation>
    </message>
    <message>
        <source>Open a model folder (export, Hugging Face folder or run)</source>
        <translation>Model qovluğunu açın (ixrac, Hugging Face qovluğu və ya təlim)</translation>
    </message>
    <message>
        <source>Model: %1</source>
        <translation>Model: %1</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>hazırdır</translation>
    </message>
    <message>
        <source>cannot load the model: %1</source>
        <translation>model yüklənə bilmir: %1</translation>
    </message>
    <message>
        <source>[no reply: the model could not be loaded]
</source>
        <translation>[cavab yoxdur: model yüklənə bilmədi]
</translation>
    </message>
    <message>
        <source> [stopped]</source>
        <translation> [dayandırıldı]</translation>
    </message>
    <message>
        <source>%1 tokens · %2 tokens/s · first token after %3 ms · stopped: %4%5</source>
        <translation>%1 token · %2 token/san · ilk token %3 ms sonra · dayanma: %4%5</translation>
    </message>
    <message>
        <source> · only the most recent context fits the model</source>
        <translation> · modelə yalnız son kontekst sığır</translation>
    </message>
    <message>
        <source>generation failed: %1</source>
        <translation>yaratma alınmadı: %1</translation>
    </message>
    <message>
        <source>loading %1…</source>
        <translation>%1 yüklənir…</translation>
    </message>
    <message>
        <source>You: %1
</source>
        <translation>Siz: %1
</translation>
    </message>
    <message>
        <source>Model: </source>
        <translation>Model: </translation>
    </message>
    <message>
        <source>the model is busy; try again</source>
        <translation>model məşğuldur; yenidən cəhd edin</translation>
    </message>
    <message>
        <source>generating…</source>
        <translation>yaradılır…</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export</source>
        <translation>İxrac et</translation>
    </message>
    <message>
        <source>Export %1</source>
        <translation>%1 ixracı</translation>
    </message>
    <message>
        <source>PyTorch state dict and Hugging Face folder</source>
        <translation>PyTorch state dict və Hugging Face qovluğu</translation>
    </message>
    <message>
        <source>PyTorch state dict (&lt;run&gt;_final.pt) only</source>
        <translation>Yalnız PyTorch state dict (&lt;run&gt;_final.pt)</translation>
    </message>
    <message>
        <source>Hugging Face folder (hf/) only</source>
        <translation>Yalnız Hugging Face qovluğu (hf/)</translation>
    </message>
    <message>
        <source>float32 (exact)</source>
        <translation>float32 (dəqiq)</translation>
    </message>
    <message>
        <source>bfloat16 (half the size)</source>
        <translation>bfloat16 (yarı ölçü)</translation>
    </message>
    <message>
        <source>float16 (half the size)</source>
        <translation>float16 (yarı ölçü)</translation>
    </message>
    <message>
        <source>best (lowest validation loss)</source>
        <translation>ən yaxşı (ən aşağı validasiya itkisi)</translation>
    </message>
    <message>
        <source>last</source>
        <translation>son</translation>
    </message>
    <message>
        <source>Writes %1_final.pt (model weights only, eval mode, no optimizer state) with config.json and tokenizer.model, and a Hugging Face GPT-2 folder hf/.</source>
        <translation>%1_final.pt (yalnız model çəkiləri, eval rejimi, optimallaşdırıcı vəziyyəti olmadan), config.json və tokenizer.model, həmçinin Hugging Face GPT-2 qovluğu hf/ yazılır.</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Seç…</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>Çıxış qovluğu</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Format</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>Çəkilər</translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation>Yoxlama nöqtəsi</translation>
    </message>
    <message>
        <source>Export into</source>
        <translation>Bura ixrac et</translation>
    </message>
    <message>
        <source>&lt;b&gt;Exported&lt;/b&gt; step %1, %2 parameters, %3 in all:&lt;br&gt;%4</source>
        <translation>&lt;b&gt;İxrac olundu&lt;/b&gt;: addım %1, %2 parametr, cəmi %3:&lt;br&gt;%4</translation>
    </message>
    <message>
        <source>&lt;b&gt;Export failed:&lt;/b&gt; %1</source>
        <translation>&lt;b&gt;İxrac alınmadı:&lt;/b&gt; %1</translation>
    </message>
    <message>
        <source>&lt;b&gt;Cannot export:&lt;/b&gt; %1</source>
        <translation>&lt;b&gt;İxrac mümkün deyil:&lt;/b&gt; %1</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>İxrac olunur…</translation>
    </message>
</context>
<context>
    <name>LossPlotWidget</name>
    <message>
        <source>Smoothing</source>
        <translation>Hamarlama</translation>
    </message>
    <message>
        <source>x axis</source>
        <translation>x oxu</translation>
    </message>
    <message>
        <source>step</source>
        <translation>addım</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>epoxa</translation>
    </message>
    <message>
        <source>tokens</source>
        <translation>tokenlər</translation>
    </message>
    <message>
        <source>elapsed time (s)</source>
        <translation>keçən vaxt (san)</translation>
    </message>
    <message>
        <source>log y</source>
        <translation>log y</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Saxla…</translation>
    </message>
    <message>
        <source>Save the plot as PNG or PDF, or its data as CSV</source>
        <translation>Qrafiki PNG və ya PDF, verilənlərini isə CSV kimi saxla</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>itki</translation>
    </message>
    <message>
        <source>train (raw)</source>
        <translation>təlim (xam)</translation>
    </message>
    <message>
        <source>train (smoothed)</source>
        <translation>təlim (hamarlanmış)</translation>
    </message>
    <message>
        <source>validation</source>
        <translation>validasiya</translation>
    </message>
    <message>
        <source>best</source>
        <translation>ən yaxşı</translation>
    </message>
    <message>
        <source>best: step %1 · val %2</source>
        <translation>ən yaxşı: addım %1 · val %2</translation>
    </message>
    <message>
        <source>no improvement %1/%2</source>
        <translation>yaxşılaşma yoxdur %1/%2</translation>
    </message>
    <message>
        <source>%1 loss %2
step %3</source>
        <translation>%1 itki %2
addım %3</translation>
    </message>
    <message>
        <source> · epoch %1</source>
        <translation> · epoxa %1</translation>
    </message>
    <message>
        <source> · %1 tokens</source>
        <translation> · %1 token</translation>
    </message>
    <message>
        <source> · %1 s</source>
        <translation> · %1 san</translation>
    </message>
    <message>
        <source>Save plot</source>
        <translation>Qrafiki saxla</translation>
    </message>
    <message>
        <source>PNG image (*.png);;PDF document (*.pdf);;CSV data (*.csv)</source>
        <translation>PNG şəkli (*.png);;PDF sənədi (*.pdf);;CSV verilənləri (*.csv)</translation>
    </message>
    <message>
        <source>Could not save '%1'</source>
        <translation>'%1' saxlanıla bilmədi</translation>
    </message>
    <message>
        <source>train</source>
        <translation>təlim</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>AzLLM Studio</source>
        <translation>AzLLM Studio</translation>
    </message>
    <message>
        <source>&amp;Train</source>
        <translation>&amp;Öyrət</translation>
    </message>
    <message>
        <source>Start a new training run with these settings (Ctrl+Enter)</source>
        <translation>Bu ayarlarla yeni təlim başlat (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Fasilə</translation>
    </message>
    <message>
        <source>&amp;Stop</source>
        <translation>&amp;Dayandır</translation>
    </message>
    <message>
        <source>Stop after the current step and restore the best checkpoint</source>
        <translation>Cari addımdan sonra dayan və ən yaxşı yoxlama nöqtəsini bərpa et</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>&amp;İxrac…</translation>
    </message>
    <message>
        <source>Write the best weights as &lt;run&gt;_final.pt and a Hugging Face folder (Ctrl+E)</source>
        <translation>Ən yaxşı çəkiləri &lt;run&gt;_final.pt və Hugging Face qovluğu kimi yaz (Ctrl+E)</translation>
    </message>
    <message>
        <source>&amp;Open run…</source>
        <translation>Təlimi &amp;aç…</translation>
    </message>
    <message>
        <source>Open an existing run directory: its curves are redrawn and Train resumes it</source>
        <translation>Mövcud təlim qovluğunu açın: əyriləri yenidən çəkilir və Öyrət onu davam etdirir</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>Təlim</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Fayl</translation>
    </message>
    <message>
        <source>&amp;New run</source>
        <translation>&amp;Yeni təlim</translation>
    </message>
    <message>
        <source>new run: Train starts one with the settings on the left</source>
        <translation>yeni təlim: Öyrət soldakı ayarlarla yenisini başladır</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>Çı&amp;xış</translation>
    </message>
    <message>
        <source>&amp;Training</source>
        <translation>&amp;Təlim</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>boş</translation>
    </message>
    <message>
        <source>0 = never stop early</source>
        <translation>0 = heç vaxt erkən dayandırma</translation>
    </message>
    <message>
        <source>What if: patience</source>
        <translation>Bəs əgər: səbir</translation>
    </message>
    <message>
        <source>min Δ</source>
        <translation>min Δ</translation>
    </message>
    <message>
        <source>Event log</source>
        <translation>Hadisələr jurnalı</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>Nümunələr</translation>
    </message>
    <message>
        <source>Open a run directory</source>
        <translation>Təlim qovluğunu açın</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>fasilə verildi</translation>
    </message>
    <message>
        <source>resumed</source>
        <translation>davam edir</translation>
    </message>
    <message>
        <source>stopping after the current step…</source>
        <translation>cari addımdan sonra dayanır…</translation>
    </message>
    <message>
        <source>epoch %1 · step %2/%3 · ETA ≤ %4 s</source>
        <translation>epoxa %1 · addım %2/%3 · qalan ≤ %4 san</translation>
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation>%1 token/san</translation>
    </message>
    <message>
        <source>best val %1 @ step %2</source>
        <translation>ən yaxşı val %1 @ addım %2</translation>
    </message>
    <message>
        <source>step %1: val %2 (train %3) improved</source>
        <translation>addım %1: val %2 (təlim %3) yaxşılaşdı</translation>
    </message>
    <message>
        <source>step %1: val %2 (train %3) no improvement %4/%5</source>
        <translation>addım %1: val %2 (təlim %3) yaxşılaşma yoxdur %4/%5</translation>
    </message>
    <message>
        <source>%1 at step %2; best val %3 at step %4 restored</source>
        <translation>%1, addım %2; ən yaxşı val %3 (addım %4) bərpa olundu</translation>
    </message>
    <message>
        <source>error: %1</source>
        <translation>xəta: %1</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>alınmadı</translation>
    </message>
    <message>
        <source>Training failed</source>
        <translation>Təlim alınmadı</translation>
    </message>
    <message>
        <source>ready: corpus '%1', preset %2. Click Train.</source>
        <translation>hazırdır: korpus '%1', hazır ayar %2. Öyrət düyməsini basın.</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>&amp;Davam et</translation>
    </message>
    <message>
        <source>&amp;Resume training</source>
        <translation>Təlimi &amp;davam etdir</translation>
    </message>
    <message>
        <source>(no evaluations yet)</source>
        <translation>(hələ qiymətləndirmə yoxdur)</translation>
    </message>
    <message>
        <source>would stop at step %1, best step %2 (val %3)</source>
        <translation>%1-ci addımda dayanardı, ən yaxşı addım %2 (val %3)</translation>
    </message>
    <message>
        <source>would not have stopped yet; best step %1 (val %2)</source>
        <translation>hələ dayanmazdı; ən yaxşı addım %1 (val %2)</translation>
    </message>
    <message>
        <source>what if: stop at %1</source>
        <translation>bəs əgər: %1-də dayanma</translation>
    </message>
    <message>
        <source>Cannot open the run</source>
        <translation>Təlim açıla bilmir</translation>
    </message>
    <message>
        <source>AzLLM Studio — %1</source>
        <translation>AzLLM Studio — %1</translation>
    </message>
    <message>
        <source>opened run %1 (%2 metrics rows); Resume training continues it from its last checkpoint</source>
        <translation>təlim açıldı: %1 (%2 metrik sətri); "Təlimi davam etdir" onu son yoxlama nöqtəsindən davam etdirir</translation>
    </message>
    <message>
        <source>exported %1</source>
        <translation>ixrac olundu: %1</translation>
    </message>
    <message>
        <source>export failed: %1</source>
        <translation>ixrac alınmadı: %1</translation>
    </message>
    <message>
        <source>Cannot resume</source>
        <translation>Davam etdirmək mümkün deyil</translation>
    </message>
    <message>
        <source>resuming %1 from its last checkpoint</source>
        <translation>%1 son yoxlama nöqtəsindən davam etdirilir</translation>
    </message>
    <message>
        <source>Cannot train yet</source>
        <translation>Hələ öyrətmək mümkün deyil</translation>
    </message>
    <message>
        <source>Cannot train</source>
        <translation>Öyrətmək mümkün deyil</translation>
    </message>
    <message>
        <source>Cannot create the runs folder '%1'.</source>
        <translation>Təlimlər qovluğu '%1' yaradıla bilmir.</translation>
    </message>
    <message>
        <source>training %1 into %2</source>
        <translation>%1 öyrədilir, qovluq: %2</translation>
    </message>
    <message>
        <source>Training is running</source>
        <translation>Təlim gedir</translation>
    </message>
    <message>
        <source>Stop training and quit? The run keeps its best and last checkpoints and can be resumed later with Open run.</source>
        <translation>Təlim dayandırılsın və proqramdan çıxılsın? Təlim ən yaxşı və son yoxlama nöqtələrini saxlayır və sonra "Təlimi aç" ilə davam etdirilə bilər.</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Görünüş</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Dil</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Sistem dili</translation>
    </message>
    <message>
        <source>English</source>
        <translation>English</translation>
    </message>
    <message>
        <source>Azerbaijani</source>
        <translation>Azərbaycanca</translation>
    </message>
    <message>
        <source>GUI responsiveness: the longest event-loop stall during this run was %1 ms (near step %2)</source>
        <translation>İnterfeysin cavabdehliyi: bu təlimdə hadisə dövrəsinin ən uzun gecikməsi %1 ms oldu (təxminən addım %2)</translation>
    </message>
    <message>
        <source>The language changes when this run has ended and you choose it again, or the next time AzLLM Studio starts.</source>
        <translation>Dil bu təlim bitəndən sonra onu yenidən seçdikdə və ya AzLLM Studio növbəti dəfə açılanda dəyişəcək.</translation>
    </message>
    <message>
        <source>Corpus changed</source>
        <translation>Korpus dəyişib</translation>
    </message>
    <message>
        <source>%1.

The run's saved token data no longer matches it. Continue training on the saved token data?</source>
        <translation>%1.

Təlimin saxlanmış token məlumatı artıq ona uyğun deyil. Təlim saxlanmış token məlumatı ilə davam etsin?</translation>
    </message>
    <message>
        <source>checking that the corpus is unchanged…</source>
        <translation>korpusun dəyişmədiyi yoxlanılır…</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>early stop: no improvement for %1 evaluations</source>
        <translation>erkən dayanma: %1 qiymətləndirmə ərzində yaxşılaşma yoxdur</translation>
    </message>
    <message>
        <source>stopped: diverged (non-finite loss)</source>
        <translation>dayandı: dağıldı (sonsuz itki)</translation>
    </message>
    <message>
        <source>stopped by user</source>
        <translation>istifadəçi dayandırdı</translation>
    </message>
    <message>
        <source>reached max epochs</source>
        <translation>maks. epoxaya çatdı</translation>
    </message>
    <message>
        <source>reached max steps</source>
        <translation>maks. addıma çatdı</translation>
    </message>
    <message>
        <source>reached the stopping threshold</source>
        <translation>dayanma həddinə çatdı</translation>
    </message>
</context>
<context>
    <name>SampleStrip</name>
    <message>
        <source>After each evaluation the model continues this prompt (greedy, 24 tokens)</source>
        <translation>Hər qiymətləndirmədən sonra model bu mətni davam etdirir (acgöz, 24 token)</translation>
    </message>
    <message>
        <source>Samples after each evaluation, prompt:</source>
        <translation>Hər qiymətləndirmədən sonra nümunələr, mətn:</translation>
    </message>
    <message>
        <source>(no sample: %1)</source>
        <translation>(nümunə yoxdur: %1)</translation>
    </message>
    <message>
        <source>step %1 · val %2 · %3%4</source>
        <translation>addım %1 · val %2 · %3%4</translation>
    </message>
    <message>
        <source>step %1 · %2%3</source>
        <translation>addım %1 · %2%3</translation>
    </message>
</context>
<context>
    <name>SetupPanel</name>
    <message>
        <source>Data</source>
        <translation>Verilənlər</translation>
    </message>
    <message>
        <source>A UTF-8 .txt file, a folder of them, or 'demo' for the bundled Azerbaijani corpus</source>
        <translation>UTF-8 .txt faylı, belə faylların qovluğu və ya daxili Azərbaycan korpusu üçün 'demo'</translation>
    </message>
    <message>
        <source>File…</source>
        <translation>Fayl…</translation>
    </message>
    <message>
        <source>Folder…</source>
        <translation>Qovluq…</translation>
    </message>
    <message>
        <source>Corpus</source>
        <translation>Korpus</translation>
    </message>
    <message>
        <source>Tokenizer</source>
        <translation>Tokenizator</translation>
    </message>
    <message>
        <source>Train a new one</source>
        <translation>Yenisini öyrət</translation>
    </message>
    <message>
        <source>Load a .model file</source>
        <translation>.model faylını yüklə</translation>
    </message>
    <message>
        <source>Largest vocabulary; a small corpus gets fewer pieces</source>
        <translation>Ən böyük lüğət; kiçik korpus daha az parça alır</translation>
    </message>
    <message>
        <source>Vocabulary (max)</source>
        <translation>Lüğət (maks.)</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Növ</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Seç…</translation>
    </message>
    <message>
        <source>.model file</source>
        <translation>.model faylı</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Preset</source>
        <translation>Hazır ayar</translation>
    </message>
    <message>
        <source>Context length in tokens</source>
        <translation>Kontekst uzunluğu (token)</translation>
    </message>
    <message>
        <source>Block size</source>
        <translation>Blok ölçüsü</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>Qatlar</translation>
    </message>
    <message>
        <source>Heads</source>
        <translation>Başlıqlar</translation>
    </message>
    <message>
        <source>Must be a multiple of the number of heads</source>
        <translation>Başlıqların sayına bölünməlidir</translation>
    </message>
    <message>
        <source>Embedding size</source>
        <translation>Embedding ölçüsü</translation>
    </message>
    <message>
        <source>Dropout</source>
        <translation>Dropout</translation>
    </message>
    <message>
        <source>Optimizer (AdamW)</source>
        <translation>Optimallaşdırıcı (AdamW)</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>Öyrənmə sürəti</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>Paket ölçüsü</translation>
    </message>
    <message>
        <source>Micro-batches per optimizer step</source>
        <translation>Optimallaşdırıcı addımı başına mikro-paketlər</translation>
    </message>
    <message>
        <source>Gradient accumulation</source>
        <translation>Qradiyent toplanması</translation>
    </message>
    <message>
        <source>Warm-up steps</source>
        <translation>İsinmə addımları</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>Çəki azalması</translation>
    </message>
    <message>
        <source>Early stopping</source>
        <translation>Erkən dayandırma</translation>
    </message>
    <message>
        <source>Evaluations without improvement before stopping (0 = never)</source>
        <translation>Dayanmadan əvvəl yaxşılaşmasız qiymətləndirmələr (0 = heç vaxt)</translation>
    </message>
    <message>
        <source>Patience</source>
        <translation>Səbir</translation>
    </message>
    <message>
        <source>An evaluation improves when val &lt; best - min delta</source>
        <translation>Qiymətləndirmə val &lt; ən yaxşı - min delta olduqda yaxşılaşma sayılır</translation>
    </message>
    <message>
        <source>Min delta</source>
        <translation>Min delta</translation>
    </message>
    <message>
        <source>every epoch</source>
        <translation>hər epoxada</translation>
    </message>
    <message>
        <source>every N steps</source>
        <translation>hər N addımda</translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation>Qiymətləndir</translation>
    </message>
    <message>
        <source>0 = unlimited</source>
        <translation>0 = limitsiz</translation>
    </message>
    <message>
        <source>Max epochs</source>
        <translation>Maks. epoxa</translation>
    </message>
    <message>
        <source>Max steps</source>
        <translation>Maks. addım</translation>
    </message>
    <message>
        <source>Restore the best weights at the end</source>
        <translation>Sonda ən yaxşı çəkiləri bərpa et</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Təlim</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>Toxum</translation>
    </message>
    <message>
        <source>all cores</source>
        <translation>bütün nüvələr</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>Axınlar</translation>
    </message>
    <message>
        <source>Runs folder</source>
        <translation>Təlimlər qovluğu</translation>
    </message>
    <message>
        <source>Choose a corpus file</source>
        <translation>Korpus faylını seçin</translation>
    </message>
    <message>
        <source>Text (*.txt);;All files (*)</source>
        <translation>Mətn (*.txt);;Bütün fayllar (*)</translation>
    </message>
    <message>
        <source>Choose a folder of .txt files</source>
        <translation>.txt fayllarından ibarət qovluğu seçin</translation>
    </message>
    <message>
        <source>Choose a sentencepiece model</source>
        <translation>sentencepiece modelini seçin</translation>
    </message>
    <message>
        <source>sentencepiece (*.model)</source>
        <translation>sentencepiece (*.model)</translation>
    </message>
    <message>
        <source>Where to save runs</source>
        <translation>Təlimlər harada saxlansın</translation>
    </message>
    <message>
        <source>%1%2 file(s) · %3 characters · %4 lines · %5 distinct characters</source>
        <translation>%1%2 fayl · %3 simvol · %4 sətir · %5 fərqli simvol</translation>
    </message>
    <message>
        <source>Azerbaijani UDHR (bundled) · </source>
        <translation>Azərbaycanca ÜİHB (daxili) · </translation>
    </message>
    <message>
        <source>%1 parameters (with a %2-piece vocabulary)</source>
        <translation>%1 parametr (%2 parçalı lüğətlə)</translation>
    </message>
    <message>
        <source>Cannot train: %1</source>
        <translation>Öyrətmək mümkün deyil: %1</translation>
    </message>
    <message>
        <source>choose a corpus (a .txt file or folder), or type 'demo'.</source>
        <translation>korpus seçin (.txt faylı və ya qovluq) və ya 'demo' yazın.</translation>
    </message>
    <message>
        <source>the corpus '%1' does not exist.</source>
        <translation>'%1' korpusu mövcud deyil.</translation>
    </message>
    <message>
        <source>choose the tokenizer's .model file, or train a new one.</source>
        <translation>tokenizatorun .model faylını seçin və ya yenisini öyrədin.</translation>
    </message>
    <message>
        <source>the tokenizer '%1' does not exist.</source>
        <translation>'%1' tokenizatoru mövcud deyil.</translation>
    </message>
    <message>
        <source>choose a folder for runs.</source>
        <translation>təlimlər üçün qovluq seçin.</translation>
    </message>
    <message>
        <source>reading %1 MB…</source>
        <translation>%1 MB oxunur…</translation>
    </message>
    <message>
        <source>fp32</source>
        <translation>fp32</translation>
    </message>
    <message>
        <source>bf16 autocast (native on this CPU)</source>
        <translation>bf16 autocast (bu prosessorda yerli dəstək)</translation>
    </message>
    <message>
        <source>bf16 autocast (emulated on this CPU: slower)</source>
        <translation>bf16 autocast (bu prosessorda emulyasiya: daha yavaş)</translation>
    </message>
    <message>
        <source>Matrix products in bfloat16 with fp32 weights and optimizer state. This CPU has AVX512-BF16; the validation loss stays within 2% of fp32 (docs/performance.md).</source>
        <translation>Matris hasilləri bfloat16-da, çəkilər və optimallaşdırıcı vəziyyəti fp32-də. Bu prosessorda AVX512-BF16 var; doğrulama itkisi fp32-dən 2% daxilində qalır (docs/performance.md).</translation>
    </message>
    <message>
        <source>Matrix products in bfloat16 with fp32 weights and optimizer state. This CPU has no AVX512-BF16, so bf16 runs emulated and is slower than fp32.</source>
        <translation>Matris hasilləri bfloat16-da, çəkilər və optimallaşdırıcı vəziyyəti fp32-də. Bu prosessorda AVX512-BF16 yoxdur, ona görə bf16 emulyasiya ilə işləyir və fp32-dən yavaşdır.</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>Dəqiqlik</translation>
    </message>
</context>
<context>
    <name>azllm::ChatWorker</name>
    <message>
        <source>%1 · %2 · %3 parameters</source>
        <translation>%1 · %2 · %3 parametr</translation>
    </message>
    <message>
        <source> · best step %1</source>
        <translation> · ən yaxşı addım %1</translation>
    </message>
</context>
</TS>