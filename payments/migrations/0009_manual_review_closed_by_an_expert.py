# An HQ expert closes a manual review (payments.services.payment_review_close): one more known state, `refunded`.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0008_reconciler_index'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='paymentattempt',
            name='attempt_state_known',
        ),
        migrations.AlterField(
            model_name='paymentattempt',
            name='state',
            field=models.CharField(choices=[('created', 'ایجاد شده'), ('redirected', 'در صفحه پرداخت بانک'), ('checking', 'در حال استعلام از بانک'), ('verifying', 'در حال تأیید نزد بانک'), ('verify_unknown', 'در انتظار پاسخ تأیید بانک'), ('succeeded', 'پرداخت\u200cشده'), ('failed', 'ناموفق'), ('expired', 'منقضی'), ('rejected', 'رد شده (ناهمخوانی با بانک)'), ('reverse_pending', 'در انتظار برگشت وجه'), ('reversed', 'وجه برگشت داده شد'), ('manual_review', 'نیازمند بررسی کارشناس'), ('refunded', 'مبلغ به کارت برگشت داده شد')], default='created', max_length=16, verbose_name='وضعیت'),
        ),
        migrations.AddConstraint(
            model_name='paymentattempt',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['created', 'redirected', 'checking', 'verifying', 'verify_unknown', 'succeeded', 'failed', 'expired', 'rejected', 'reverse_pending', 'reversed', 'manual_review', 'refunded'])), name='attempt_state_known'),
        ),
    ]
